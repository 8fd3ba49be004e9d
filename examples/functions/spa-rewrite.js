// viewer-request: serves index.html for directory URLs and client-side routes (a rewrite, not a
// redirect): /docs/ → /docs/index.html, /about → /about/index.html, /app.js unchanged.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri += 'index.html';
  } else if (!uri.includes('.')) {
    request.uri += '/index.html';
  }
  return request;
}
