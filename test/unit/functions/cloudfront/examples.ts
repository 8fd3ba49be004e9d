/**
 * CloudFront's canonical example functions (reference/cloudfront-functions.md §8), written as
 * AWS publishes them. Shared by the example tests and bench/functions-call.ts.
 */

export const SECURITY_HEADERS = `function handler(event) {
    var response = event.response;
    var headers = response.headers;

    headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubdomains; preload'};
    headers['content-security-policy'] = { value: "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'"};
    headers['x-content-type-options'] = { value: 'nosniff'};
    headers['x-frame-options'] = {value: 'DENY'};
    headers['x-xss-protection'] = {value: '1; mode=block'};
    headers['referrer-policy'] = {value: 'same-origin'};

    return response;
}`;

export const SPA_INDEX_REWRITE = `function handler(event) {
    var request = event.request;
    var uri = request.uri;

    // Check whether the URI is missing a file name.
    if (uri.endsWith('/')) {
        request.uri += 'index.html';
    }
    // Check whether the URI is missing a file extension.
    else if (!uri.includes('.')) {
        request.uri += '/index.html';
    }

    return request;
}`;

export const REDIRECT_BY_COUNTRY = `function handler(event) {
    var request = event.request;
    var headers = request.headers;
    var host = request.headers.host.value;
    var country = 'DE'; // Choose a country code
    var newurl = 'https://' + host + '/de/index.html'; // Change the redirect URL to your choice

    if (headers['cloudfront-viewer-country']) {
        var countryCode = headers['cloudfront-viewer-country'].value;
        if (countryCode === country) {
            var response = {
                statusCode: 302,
                statusDescription: 'Found',
                headers:
                    { "location": { "value": newurl } }
                }

            return response;
        }
    }
    return request;
}`;

export const TRUE_CLIENT_IP = `function handler(event) {
    var request = event.request;
    var clientIP = event.viewer.ip;

    //Add the true-client-ip header to the incoming request
    request.headers['true-client-ip'] = {value: clientIP};

    return request;
}`;

export const AB_TEST_KVS = `import cf from 'cloudfront';

const kvsHandle = cf.kvs();
const stickinessCookie = 'appversion';

async function handler(event) {
    const request = event.request;
    const segments = request.uri.split('/');
    let config;
    try {
        config = await kvsHandle.get(segments[1], { format: 'json' });
    } catch (err) {
        console.log('no experiment for ' + segments[1]);
        return request;
    }
    const cookie = request.cookies[stickinessCookie];
    let version;
    if (cookie && (cookie.value === config.a_url || cookie.value === config.b_url)) {
        version = cookie.value;
    } else {
        version = Math.random() <= config.a_weightage ? config.a_url : config.b_url;
    }
    segments[1] = version;
    request.uri = segments.join('/');
    return request;
}`;

export const KVS_PATH_REWRITE = `import cf from 'cloudfront';

const kvsHandle = cf.kvs();

async function handler(event) {
    const request = event.request;
    const pathSegments = request.uri.split('/');
    const key = pathSegments[1];
    try {
        pathSegments[1] = await kvsHandle.get(key);
        request.uri = pathSegments.join('/');
    } catch (err) {
        console.log(request.uri + ' | ' + err);
    }
    return request;
}`;

export const KVS_REDIRECT = `import cf from 'cloudfront';

const kvsHandle = cf.kvs();

async function handler(event) {
    const request = event.request;
    const key = request.uri.split('/')[1];
    let location;
    try {
        location = await kvsHandle.get(key);
    } catch (err) {
        return request;
    }
    return {
        statusCode: 301,
        statusDescription: 'Moved Permanently',
        headers: { location: { value: location } }
    };
}`;

/** AWS's 1.0 JWT sample: secret in the code, base64url via String.bytesFrom. */
export const JWT_HS256_V1 = `var crypto = require('crypto');

//Response when JWT is not valid.
var response401 = {
    statusCode: 401,
    statusDescription: 'Unauthorized'
};

var key = 'LzdWGpAToQ1DqYuzHxE6YOqi7G3X2yvNBot9mCXfx5k';

function jwt_decode(token, key, noVerify, algorithm) {
    // check token
    if (!token) {
        throw new Error('No token supplied');
    }
    // check segments
    var segments = token.split('.');
    if (segments.length !== 3) {
        throw new Error('Not enough or too many segments');
    }

    // All segment should be base64
    var headerSeg = segments[0];
    var payloadSeg = segments[1];
    var signatureSeg = segments[2];

    // base64 decode and parse JSON
    var payload = JSON.parse(_base64urlDecode(payloadSeg));

    if (!noVerify) {
        var signingMethod = 'sha256';
        var signingType = 'hmac';

        // Verify signature. \`sign\` will return base64 string.
        var signingInput = [headerSeg, payloadSeg].join('.');

        if (!_verify(signingInput, key, signingMethod, signingType, signatureSeg)) {
            throw new Error('Signature verification failed');
        }

        // Support for nbf and exp claims.
        // According to the RFC, they should be in seconds.
        if (payload.nbf && Date.now() < payload.nbf*1000) {
            throw new Error('Token not yet active');
        }

        if (payload.exp && Date.now() > payload.exp*1000) {
            throw new Error('Token expired');
        }
    }

    return payload;
}

//Function to ensure a constant time comparison to prevent
//timing side channels.
function _constantTimeEquals(a, b) {
    if (a.length != b.length) {
        return false;
    }

    var xor = 0;
    for (var i = 0; i < a.length; i++) {
    xor |= (a.charCodeAt(i) ^ b.charCodeAt(i));
    }

    return 0 === xor;
}

function _verify(input, key, method, type, signature) {
    if(type === "hmac") {
        return _constantTimeEquals(signature, _sign(input, key, method));
    }
    else {
        throw new Error('Algorithm type not recognized');
    }
}

function _sign(input, key, method) {
    return crypto.createHmac(method, key).update(input).digest('base64url');
}

function _base64urlDecode(str) {
    return String.bytesFrom(str, 'base64url')
}

function handler(event) {
    var request = event.request;

    //Secret key used to verify JWT token.
    //Update with your own key.

    // If no JWT token, then generate HTTP redirect 401 response.
    if(!request.querystring.jwt) {
        console.log("Error: No JWT in the querystring");
        return response401;
    }

    var jwtToken = request.querystring.jwt.value;

    try{
        jwt_decode(jwtToken, key);
    }
    catch(e) {
        console.log(e);
        return response401;
    }

    //Remove the JWT from the query string if valid and return.
    delete request.querystring.jwt;
    console.log("Valid JWT token");
    return request;
}`;

/** The 2.0 variant: the secret comes from the KVS key `jwt.secret`, base64url through Buffer. */
export const JWT_HS256_V2 = `import crypto from 'crypto';
import cf from 'cloudfront';

const kvsHandle = cf.kvs();

function unauthorized() {
    return { statusCode: 401, statusDescription: 'Unauthorized' };
}

function verify(token, secret) {
    const segments = token.split('.');
    if (segments.length !== 3) {
        throw new Error('Not enough or too many segments');
    }
    const payload = JSON.parse(Buffer.from(segments[1], 'base64url').toString('utf8'));
    const expected = crypto.createHmac('sha256', secret).update(segments[0] + '.' + segments[1]).digest('base64url');
    if (expected.length !== segments[2].length) {
        throw new Error('Signature verification failed');
    }
    let xor = 0;
    for (let i = 0; i < expected.length; i++) {
        xor |= expected.charCodeAt(i) ^ segments[2].charCodeAt(i);
    }
    if (xor !== 0) {
        throw new Error('Signature verification failed');
    }
    if (payload.nbf && Date.now() < payload.nbf * 1000) {
        throw new Error('Token not yet active');
    }
    if (payload.exp && Date.now() > payload.exp * 1000) {
        throw new Error('Token expired');
    }
    return payload;
}

async function handler(event) {
    const request = event.request;
    if (!request.querystring.jwt) {
        return unauthorized();
    }
    let secret;
    try {
        secret = await kvsHandle.get('jwt.secret');
    } catch (err) {
        return unauthorized();
    }
    try {
        verify(request.querystring.jwt.value, secret);
    } catch (e) {
        console.log(e);
        return unauthorized();
    }
    delete request.querystring.jwt;
    return request;
}`;

export const ADD_CACHE_CONTROL = `function handler(event) {
    var response = event.response;
    var headers = response.headers;

    if (response.statusCode >= 200 && response.statusCode < 400) {
        // Set the cache-control header
        headers['cache-control'] = {value: 'public, max-age=63072000'};
    }

    // Return response to viewers
    return response;
}`;

export const ADD_CORS_IF_MISSING = `function handler(event) {
    var request = event.request;
    var response  = event.response;

    // If Access-Control-Allow-Origin CORS header is missing, add it.
    // Since JavaScript doesn't allow for hyphens in variable names, we use the dict["key"] notation.
    if (!response.headers['access-control-allow-origin'] && request.headers['origin']) {
        response.headers['access-control-allow-origin'] = {value: request.headers['origin'].value};
        console.log("Access-Control-Allow-Origin was missing, adding it now.");
    }

    return response;
}`;

export const ADD_ORIGIN_IF_MISSING = `function handler(event) {
    var request = event.request;
    var headers = request.headers;
    var host = request.headers.host.value;

   // If origin header is missing, set it equal to the host header.
   if (!headers.origin)
       headers.origin = {value:\`https://\${host}\`};

    return request;
}`;

export const NORMALIZE_QUERY_STRING = `function handler(event) {
    var qs=[];
    for (var key in event.request.querystring) {
        if (event.request.querystring[key].multiValue) {
            event.request.querystring[key].multiValue.forEach((mv) => {qs.push(key + "=" + mv.value)});
        } else {
            qs.push(key + "=" + event.request.querystring[key].value);
        }
    };

    event.request.querystring = qs.sort().join('&');

    return event.request;
}`;

export const SELECT_ORIGIN_BY_COUNTRY = `import cf from 'cloudfront';

function handler(event) {
    const request = event.request;
    const headers = request.headers;
    const country = headers['cloudfront-viewer-country'] && headers['cloudfront-viewer-country'].value;

    // List of Regions with S3 buckets containing content
    const countryToRegion = {
        'DE': 'eu-central-1',
        'IE': 'eu-west-1',
        'GB': 'eu-west-2',
        'FR': 'eu-west-3',
        'JP': 'ap-northeast-1',
        'IN': 'ap-south-1'
    };

    const DEFAULT_REGION = 'us-east-1';
    const selectedRegion = (country && countryToRegion[country]) || DEFAULT_REGION;

    const domainName = \`cloudfront-functions-demo-bucket-in-\${selectedRegion}.s3.\${selectedRegion}.amazonaws.com\`;

    cf.updateRequestOrigin({
        "domainName" : domainName,
        "originAccessControlConfig": {
            "enabled": true,
            "region": selectedRegion,
            "signingBehavior": "always",
            "signingProtocol": "sigv4",
            "originType": "s3"
        },
    });

    return request;
}`;
