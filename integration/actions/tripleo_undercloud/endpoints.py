"""Where the undercloud's services are, and a tiny HTTP client for them.

scripts/undercloud starts Mistral with UNDERCLOUD_{ZAQAR,SWIFT,IRONIC,HEAT}_URL
and UNDERCLOUD_ZAQAR_PROJECT_ID in its environment. The workbooks read them
through the expression function undercloud_url('swift') (YAQL) /
{{ undercloud_url('swift') }} (Jinja), registered through the
"mistral.expression.functions" entry point, so the TripleO workflows keep
exactly their Queens inputs (no extra endpoint inputs). The defaults are the
harness's loopback ports.
"""
import json
import os
import urllib.error
import urllib.parse
import urllib.request

DEFAULTS = {
    'zaqar': 'http://127.0.0.1:8888',
    'zaqar_project_id': 'admin',
    'swift': 'http://127.0.0.1:8080/v1/AUTH_lab',
    'ironic': 'http://127.0.0.1:6385',
    'heat': 'http://127.0.0.1:8004/v1/admin',
    'mistral': 'http://127.0.0.1:8989/v2',
}

IRONIC_API_VERSION = '1.82'
# Zaqar needs a Client-ID (a UUID) and, without Keystone, X-Project-ID
ZAQAR_CLIENT_ID = '7c0e1a52-0000-4000-8000-00000000beef'


def url(name):
    key = 'UNDERCLOUD_%s' % name.upper()
    if name != 'zaqar_project_id':
        key += '_URL'
    return os.environ.get(key) or DEFAULTS[name]


def undercloud_url_(context, name):
    """Expression function: undercloud_url('swift') -> the Swift account URL.

    Names: zaqar, zaqar_project_id, swift, ironic, heat, mistral.
    """
    return url(name)


# never through a proxy: everything is on 127.0.0.1
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class HTTPError(Exception):
    def __init__(self, method, url_, status, body):
        self.method, self.url, self.status, self.body = method, url_, status, body
        super().__init__('%s %s -> HTTP %s: %s' % (method, url_, status, _short(body)))


def _short(body, n=500):
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'replace')
    body = str(body).strip()
    return body if len(body) <= n else body[:n] + '...'


def request(method, url_, body=None, headers=None, ok=(200, 201, 202, 204), raw=False, timeout=60):
    """Returns (status, headers, parsed JSON | bytes | None); raises HTTPError
    when the status is not in ok (ok=None accepts every status)."""
    h = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
            h.setdefault('Content-Type', 'application/json')
    req = urllib.request.Request(url_, data=data, method=method, headers=h)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            status, rh, txt = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, rh, txt = e.code, e.headers, e.read()
    if ok is not None and status not in ok:
        raise HTTPError(method, url_, status, txt)
    if raw:
        return status, rh, txt
    if txt.strip() and 'json' in (rh.get('Content-Type') or ''):
        try:
            return status, rh, json.loads(txt)
        except ValueError:
            pass
    return status, rh, (txt if txt.strip() else None)


def quote(s):
    return urllib.parse.quote(str(s), safe='')


# ---------------------------------------------------------------- Swift
def swift(method, path='', **kw):
    return request(method, url('swift') + ('/' + path if path else ''), **kw)


def swift_container_exists(container):
    status, _, _ = swift('HEAD', quote(container), ok=None)
    return status in (200, 204)


def swift_get_object(container, obj):
    _, _, body = swift('GET', '%s/%s' % (quote(container), quote(obj)), ok=(200,), raw=True)
    return body


def swift_put_object(container, obj, data, content_type='application/x-yaml'):
    swift('PUT', '%s/%s' % (quote(container), quote(obj)), body=data,
          headers={'Content-Type': content_type}, ok=(201,))


def swift_list(container):
    """Names of all objects in a container (paged)."""
    names, marker = [], ''
    while True:
        _, _, page = swift('GET', '%s?format=json&limit=1000&marker=%s' % (quote(container), quote(marker)),
                           ok=(200, 204))
        if not page:
            return names
        names.extend(o['name'] for o in page)
        marker = page[-1]['name']


# ---------------------------------------------------------------- Heat
def heat(method, path, **kw):
    h = kw.pop('headers', {})
    h.setdefault('Accept', 'application/json')
    return request(method, url('heat') + '/' + path, headers=h, **kw)


def heat_error_message(err):
    """The message of a Heat error body {"error": {"message", "type"}, ...}."""
    try:
        d = json.loads(err.body)
        e = d.get('error', {})
        return e.get('message') or d.get('explanation') or _short(err.body)
    except (ValueError, AttributeError, TypeError):
        return _short(err.body)


# ---------------------------------------------------------------- Ironic
def ironic(method, path, **kw):
    h = kw.pop('headers', {})
    h.setdefault('X-OpenStack-Ironic-API-Version', IRONIC_API_VERSION)
    h.setdefault('Accept', 'application/json')
    return request(method, url('ironic') + '/v1/' + path, headers=h, **kw)


def ironic_error_message(err):
    """Ironic double-encodes errors: {"error_message": "{\"faultstring\": ...}"}."""
    try:
        d = json.loads(err.body)
        em = d.get('error_message', d)
        if isinstance(em, str):
            em = json.loads(em)
        return em.get('faultstring') or _short(err.body)
    except (ValueError, AttributeError, TypeError):
        return _short(err.body)
