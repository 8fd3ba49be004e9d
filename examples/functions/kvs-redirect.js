import cf from 'cloudfront';

// viewer-request (cloudfront-js-2.0): the key value store maps old paths to new URLs.
// A path found in the store answers 301 with its location; any other path goes on unchanged.
const kvs = cf.kvs();

async function handler(event) {
  const request = event.request;
  try {
    const location = await kvs.get(request.uri);
    console.log('redirect ' + request.uri + ' -> ' + location);
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: location } },
    };
  } catch (err) {
    return request; // key not found: serve as requested
  }
}
