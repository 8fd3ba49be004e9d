// Lambda@Edge viewer-request handler (nodejs20.x, Handler: index.handler).
// /old/… answers 301 to /new/…; every other request goes on with a header for the origin.
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/old/')) {
    return {
      status: '301',
      statusDescription: 'Moved Permanently',
      headers: {
        location: [{ key: 'Location', value: request.uri.replace('/old/', '/new/') }],
        'cache-control': [{ key: 'Cache-Control', value: 'max-age=3600' }],
      },
    };
  }
  console.log('forwarding', request.uri);
  request.headers['x-viewer-ip'] = [{ key: 'X-Viewer-Ip', value: request.clientIp }];
  return request;
};
