// viewer-request: sends viewers from Germany to the German site with a 302 (needs the
// CloudFront-Viewer-Country header in the cache or origin request policy).
function handler(event) {
  var request = event.request;
  var country = request.headers['cloudfront-viewer-country'];
  if (country && country.value === 'DE') {
    var host = request.headers.host ? request.headers.host.value : 'example.com';
    return {
      statusCode: 302,
      statusDescription: 'Found',
      headers: { location: { value: 'https://' + host + '/de/index.html' } },
    };
  }
  return request;
}
