#!/bin/bash
# integration/smoke.sh: runs every tripleo.* workflow and action of
# integration/workbooks + integration/actions once, through Mistral's REST API,
# against a running undercloud (scripts/undercloud up), and checks
#   - the execution's (or action execution's) final state and output,
#   - the Zaqar messages on its queue: types, statuses, order, envelope keys,
#   - the real effect: Swift objects/metadata, Ironic provision states,
#     Heat stack status.
# Every run uses its own queue, plan names, node names and MACs, so it can be
# repeated on the same undercloud. Ends with "N passed, N failed"; exit 1 on any
# failure. Python 3 stdlib only (+ python3-websocket, installed with Zaqar, for
# the websocket check).
#
#   scripts/undercloud up && integration/smoke.sh; scripts/undercloud down
#   SMOKE_ONLY=plan,deploy integration/smoke.sh     # groups: names plan deploy baremetal clean ws
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ENV_SH=${UNDERCLOUD_DIR:-$REPO/.undercloud}/env.sh
if [ -z "${MISTRAL_URL:-}" ]; then
    [ -f "$ENV_SH" ] || { echo "no $ENV_SH: run scripts/undercloud up first" >&2; exit 1; }
    # shellcheck disable=SC1090
    . "$ENV_SH"
fi
export SMOKE_DEFAULT_TEMPLATES=$REPO/integration/actions/tripleo_undercloud/default_templates
exec env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
    /usr/bin/python3 - "$@" <<'PYEOF'
import json, os, random, sys, time, urllib.error, urllib.request, uuid

M = os.environ['MISTRAL_URL']
Z = os.environ['ZAQAR_URL']
ZWS = os.environ.get('ZAQAR_WS_URL')
PROJECT = os.environ.get('ZAQAR_PROJECT_ID', 'admin')
S = os.environ['SWIFT_URL']
IR = os.environ['IRONIC_URL']
HT = os.environ['HEAT_URL']
TEMPLATES = os.environ['SMOKE_DEFAULT_TEMPLATES']
ONLY = set(filter(None, os.environ.get('SMOKE_ONLY', '').split(',')))
RUN = '%x' % int(time.time() * 10 % 0xfffffff)
QUEUE = 'smoke-' + RUN
ZH = {'Client-ID': str(uuid.uuid4()), 'X-Project-ID': PROJECT}
IRH = {'X-OpenStack-Ironic-API-Version': '1.82'}
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PASS, FAIL = [], []
T0 = time.time()


def check(name, cond, detail=''):
    (PASS if cond else FAIL).append(name)
    print(('ok   ' if cond else 'FAIL ') + name + ('' if cond else '\n       -- %s' % (str(detail)[:1500],)), flush=True)
    return cond


def req(method, url, body=None, headers=None, raw=False, timeout=60):
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
    r = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with OPENER.open(r, timeout=timeout) as resp:
            code, rh, txt = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        code, rh, txt = e.code, e.headers, e.read()
    if raw:
        return code, rh, txt
    try:
        return code, rh, (json.loads(txt) if txt.strip() else None)
    except ValueError:
        return code, rh, txt.decode('utf-8', 'replace')


# ------------------------------------------------------------------ Mistral
def start(wf, inp):
    code, _, ex = req('POST', M + '/executions', {'workflow_name': wf, 'input': json.dumps(inp)})
    if code != 201:
        raise RuntimeError('POST /executions %s -> %s %s' % (wf, code, ex))
    return ex['id']


def wait(ex_id, timeout=120):
    t = time.time()
    while True:
        _, _, ex = req('GET', M + '/executions/' + ex_id)
        if ex['state'] not in ('RUNNING', 'IDLE', 'PAUSED'):
            ex['output'] = json.loads(ex['output'] or '{}')
            return ex
        if time.time() - t > timeout:
            ex['output'] = {}
            return ex
        time.sleep(0.1)


def run(wf, inp, timeout=120):
    inp = dict(inp)
    inp.setdefault('queue_name', QUEUE)
    t = time.time()
    ex = wait(start(wf, inp), timeout)
    ex['took'] = time.time() - t
    return ex


def action(name, inp):
    code, _, a = req('POST', M + '/action_executions',
                     {'name': name, 'input': inp, 'params': {'run_sync': True, 'save_result': True}})
    if code != 201:
        return 'HTTP %s' % code, a
    return a['state'], json.loads(a['output'] or '{}').get('result')


# ------------------------------------------------------------------ Zaqar
def queue_messages(queue=QUEUE):
    msgs, marker = [], None
    while True:
        # not include_claimed=true: without a marker Zaqar's redis driver answers 503
        url = Z + '/v2/queues/%s/messages?echo=true&limit=20' % queue
        if marker:
            url += '&marker=' + marker
        code, _, d = req('GET', url, headers=ZH)
        if code == 204 or not isinstance(d, dict) or not d.get('messages'):
            return msgs
        # Zaqar's redis driver: a marker naming the queue's FIRST message (rank 0) is
        # treated as no marker, so that page comes back forever: stop on no new ids
        seen = {m['id'] for m in msgs}
        new = [m for m in d['messages'] if m['id'] not in seen]
        if not new:
            return msgs
        msgs.extend(new)
        nxt = [l['href'] for l in d.get('links', []) if l['rel'] == 'next']
        if not nxt:
            return msgs
        marker = nxt[0].split('marker=')[1].split('&')[0]


def ids_of(payload):
    if 'execution_id' in payload or 'root_execution_id' in payload and 'execution' not in payload:
        return payload.get('execution_id'), payload.get('root_execution_id')
    ex = payload.get('execution') or {}
    return ex.get('id'), ex.get('root_execution_id')


def messages_of(ex_id):
    """[(type, status, payload)] of the execution and its sub-executions, in posting order."""
    out = []
    for m in queue_messages():
        p = (m.get('body') or {}).get('payload') or {}
        if ex_id in ids_of(p):
            out.append((m['body']['type'], p.get('status'), p))
    return out


LEGACY_KEYS = {'status', 'message', 'execution'}
STANDARD_KEYS = {'status', 'message', 'root_execution_id', 'execution_id', 'plan_name', 'deployment_status'}


def legacy_ok(p, ex_id=None, root=None):
    e = p.get('execution') or {}
    return LEGACY_KEYS <= set(p) and set(e) >= {'id', 'name', 'root_execution_id'} and \
        (ex_id is None or e['id'] == ex_id) and (root is None or e['root_execution_id'] == root)


def standard_ok(p, ex_id=None):
    return STANDARD_KEYS <= set(p) and (ex_id is None or p['execution_id'] == ex_id)


def seq(msgs):
    return [(t, s) for t, s, _ in msgs]


def expect_run(name, wf, inp, state, msg_seq, timeout=120):
    """Runs wf, checks the final state and the (type, status) message sequence."""
    ex = run(wf, inp, timeout)
    msgs = messages_of(ex['id'])
    check('%s: execution %s (%.2fs)' % (name, state, ex['took']), ex['state'] == state,
          (ex['state'], ex.get('state_info'), ex['output']))
    if msg_seq is not None:
        check('%s: messages %s' % (name, [t.rsplit('.', 1)[1] + ':' + str(s) for t, s in msg_seq]),
              seq(msgs) == msg_seq, seq(msgs))
    return ex, msgs


# ------------------------------------------------------------------ services
def swift_objects(container):
    code, _, d = req('GET', S + '/' + container + '?format=json')
    return [o['name'] for o in d] if code == 200 else None


def swift_get(container, obj):
    code, _, body = req('GET', '%s/%s/%s' % (S, container, obj), raw=True)
    return body.decode() if code == 200 else None


def plan_env(container):
    txt = swift_get(container, 'plan-environment.yaml')
    if txt is None:
        return None
    try:
        import yaml   # Debian's python3-yaml (pulled in by Mistral)
        return yaml.safe_load(txt)
    except ImportError:
        return {'_raw': txt}


def upload_templates(container, overrides=None):
    req('PUT', S + '/' + container, headers={'X-Container-Meta-Usage-Tripleo': 'plan'})
    for f in sorted(os.listdir(TEMPLATES)):
        with open(os.path.join(TEMPLATES, f), 'rb') as fh:
            data = fh.read()
        if overrides and f in overrides:
            data = overrides[f].encode()
        req('PUT', '%s/%s/%s' % (S, container, f), data, {'Content-Type': 'application/x-yaml'})


def stack(name):
    code, _, d = req('GET', HT + '/stacks?name=' + name, headers={'Accept': 'application/json'})
    st = [s for s in (d or {}).get('stacks', []) if s['stack_name'] == name]
    return st[0] if st else None


def wait_stack(name, timeout=60):
    t = time.time()
    while time.time() - t < timeout:
        s = stack(name)
        if s is None or not s['stack_status'].endswith('IN_PROGRESS'):
            return s
        time.sleep(0.1)
    return stack(name)


def delete_stack(name):
    s = stack(name)
    if s:
        req('DELETE', '%s/stacks/%s/%s' % (HT, name, s['id']))
        t = time.time()
        while stack(name) and time.time() - t < 60:
            time.sleep(0.1)


def node(uuid_):
    return req('GET', IR + '/v1/nodes/' + uuid_, headers=IRH)[2]


def rand_mac():
    return '52:54:00:%02x:%02x:%02x' % (random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))


def want(group):
    return not ONLY or group in ONLY


def delete_node(u):
    req('PUT', IR + '/v1/nodes/%s/maintenance' % u, {'reason': 'smoke cleanup'}, IRH)
    req('DELETE', IR + '/v1/nodes/' + u, headers=IRH)


print('smoke run %s, queue %s' % (RUN, QUEUE), flush=True)
req('PUT', Z + '/v2/queues/' + QUEUE, {}, ZH)
# nodes left by an interrupted earlier run would take part in the *_manageable_nodes workflows
for n in (req('GET', IR + '/v1/nodes?fields=uuid,name', headers=IRH)[2] or {}).get('nodes', []):
    if (n.get('name') or '').startswith('smoke-'):
        delete_node(n['uuid'])

# ================================================================== names
WORKFLOWS = [
    'tripleo.plan_management.v1.' + w for w in (
        'create_default_deployment_plan', 'create_deployment_plan', 'delete_deployment_plan', 'list_plans')] + [
    'tripleo.baremetal.v1.' + w for w in (
        'set_node_state', 'set_power_state', 'manual_cleaning', 'validate_nodes', 'register_or_update',
        'provide', 'provide_manageable_nodes', 'manage', '_introspect', 'introspect',
        'introspect_manageable_nodes')] + [
    'tripleo.deployment.v1.' + w for w in (
        'deploy_plan', 'deploy_on_server', 'deploy_on_servers', 'get_deployment_status')] + [
    'tripleo.messaging.v1.send']
ACTIONS = ['tripleo.plan.create_container', 'tripleo.plan.list', 'tripleo.plan.delete',
           'tripleo.parameters.update', 'tripleo.parameters.reset', 'tripleo.parameters.get_flatten',
           'tripleo.parameters.generate_passwords', 'tripleo.templates.upload', 'tripleo.templates.process',
           'tripleo.baremetal.validate_nodes', 'tripleo.baremetal.register_or_update_nodes',
           'zaqar.queue_post']
if want('names'):
    missing = [w for w in WORKFLOWS if req('GET', M + '/workflows/' + w)[0] != 200]
    check('%d workflows registered under their full names' % len(WORKFLOWS), not missing, missing)
    missing = [a for a in ACTIONS if req('GET', M + '/actions/' + a)[0] != 200]
    check('%d actions registered under their full names' % len(ACTIONS), not missing, missing)
    code, _, wf = req('GET', M + '/workflows/tripleo.baremetal.v1.register_or_update')
    # Mistral 15 renders string defaults quoted (Queens: remove=False, kernel_name=None)
    check('register_or_update inputs (Queens defaults)', code == 200 and wf['input'] ==
          'nodes_json, remove="False", queue_name="tripleo", kernel_name="None", ramdisk_name="None", '
          'instance_boot_option="local", initial_state="manageable"', wf.get('input'))
    code, _, e = req('POST', M + '/executions', {'workflow_name': 'tripleo.baremetal.v1.provide',
                                                 'input': json.dumps({'node_uuids': [], 'bogus': 1})})
    check('unknown input key -> 400 at start', code == 400, (code, e))

# ================================================================== plan
PLAN = 'smoke-plan-' + RUN
if want('plan') or want('deploy'):
    st, res = action('tripleo.plan.create_container', {'container': 'bad_name!'})
    check('plan.create_container bad name -> ERROR, exact text', st == 'ERROR' and res ==
          'Unable to create plan. The plan name must only contain letters, numbers or dashes', (st, res))
    ex, msgs = expect_run('create_default_deployment_plan', 'tripleo.plan_management.v1.create_default_deployment_plan',
                          {'container': PLAN}, 'SUCCESS',
                          [('tripleo.plan_management.v1.create_deployment_plan', 'SUCCESS'),
                           ('tripleo.plan_management.v1.create_default_deployment_plan', 'SUCCESS')])
    if len(msgs) == 2:
        check('create_default_deployment_plan: legacy envelopes (child root = parent, own id on final)',
              legacy_ok(msgs[0][2], root=ex['id']) and legacy_ok(msgs[1][2], ex['id'], None)
              and msgs[0][2]['message'] == 'Plan created.', msgs)
    _, hdrs, _ = req('HEAD', S + '/' + PLAN, raw=True)
    check('Swift: plan container has X-Container-Meta-Usage-Tripleo: plan',
          (hdrs.get('X-Container-Meta-Usage-Tripleo') or '') == 'plan', dict(hdrs))
    objs = swift_objects(PLAN) or []
    check('Swift: default templates uploaded', {'overcloud.yaml', 'plan-environment.yaml', 'capabilities-map.yaml',
                                                'roles_data.yaml'} <= set(objs), objs)
    env = plan_env(PLAN) or {}
    check('Swift: plan-environment.yaml has RootStackName and generated passwords',
          (env.get('parameter_defaults') or {}).get('RootStackName') == PLAN
          and len(env.get('passwords') or {}) >= 10 and env.get('template') == 'overcloud.yaml', env)
    st, res = action('tripleo.plan.create_container', {'container': PLAN})
    check('plan.create_container existing -> ERROR, exact text',
          st == 'ERROR' and res == 'A container with the name %s already exists.' % PLAN, (st, res))
    ex, msgs = expect_run('create_default_deployment_plan on an existing container',
                          'tripleo.plan_management.v1.create_default_deployment_plan', {'container': PLAN}, 'ERROR',
                          [('tripleo.plan_management.v1.create_deployment_plan', 'FAILED'),
                           ('tripleo.plan_management.v1.create_default_deployment_plan', 'FAILED')])
    check('  ... FAILED text "Unable to create plan. The Swift container already exists"',
          msgs and msgs[0][2].get('message') == 'Unable to create plan. The Swift container already exists', msgs)
    st, res = action('tripleo.plan.list', {})
    check('plan.list includes the plan', st == 'SUCCESS' and PLAN in (res or []), (st, res))
    ex, msgs = expect_run('list_plans', 'tripleo.plan_management.v1.list_plans', {}, 'SUCCESS',
                          [('tripleo.plan_management.v1.list_plans', 'SUCCESS')])
    check('  ... payload plans and output plan_list include the plan',
          msgs and PLAN in msgs[0][2].get('plans', []) and PLAN in ex['output'].get('plan_list', []), ex['output'])

    # a container uploaded by the client, then create_deployment_plan without default templates
    CPLAN = 'smoke-client-' + RUN
    upload_templates(CPLAN)
    ex, msgs = expect_run('create_deployment_plan (client-uploaded container)',
                          'tripleo.plan_management.v1.create_deployment_plan', {'container': CPLAN}, 'SUCCESS',
                          [('tripleo.plan_management.v1.create_deployment_plan', 'SUCCESS')])
    check('  ... message "Plan created."', msgs and msgs[0][2]['message'] == 'Plan created.', msgs)
    ex, msgs = expect_run('create_deployment_plan (no container, no templates)',
                          'tripleo.plan_management.v1.create_deployment_plan', {'container': 'smoke-none-' + RUN},
                          'ERROR', [('tripleo.plan_management.v1.create_deployment_plan', 'FAILED')])
    # failure trigger: a template Heat rejects -> validate_stack fails
    BPLAN = 'smoke-badtmpl-' + RUN
    upload_templates(BPLAN, {'overcloud.yaml': 'heat_template_version: 2018-08-31\nresources:\n  x:\n'
                                               '    type: OS::Nope\n'})
    ex, msgs = expect_run('create_deployment_plan (template Heat rejects)',
                          'tripleo.plan_management.v1.create_deployment_plan', {'container': BPLAN}, 'ERROR',
                          [('tripleo.plan_management.v1.create_deployment_plan', 'FAILED')])
    check('  ... "Error validating environment for plan"', msgs and str(msgs[0][2]['message']).startswith(
        'Error validating environment for plan %s: The Resource Type (OS::Nope) could not be found' % BPLAN), msgs)
    ex, msgs = expect_run('  same with validate_stack false', 'tripleo.plan_management.v1.create_deployment_plan',
                          {'container': BPLAN, 'validate_stack': False}, 'SUCCESS',
                          [('tripleo.plan_management.v1.create_deployment_plan', 'SUCCESS')])

    # parameters actions
    st, res = action('tripleo.parameters.update', {'container': CPLAN, 'parameters': {'CloudName': 'c.example.com',
                                                                                        'ComputeCount': 3}})
    params = ((res or {}).get('heat_resource_tree') or {}).get('parameters', {}) if isinstance(res, dict) else {}
    check('parameters.update (validate) -> flattened tree with the new defaults',
          st == 'SUCCESS' and params.get('CloudName', {}).get('default') == 'c.example.com'
          and params.get('AdminPassword', {}).get('noEcho') == 'true'
          and res['environment_parameters'].get('ComputeCount') == 3, (st, str(res)[:300]))
    env = plan_env(CPLAN) or {}
    check('Swift: parameter_defaults merged', env.get('parameter_defaults', {}).get('CloudName') == 'c.example.com'
          and env['parameter_defaults'].get('RootStackName') == CPLAN, env.get('parameter_defaults'))
    st, res = action('tripleo.parameters.update', {'container': CPLAN, 'key': 'derived_parameters',
                                                   'parameters': {'NtpServer': ['ntp.example.com']},
                                                   'validate': False})
    check('parameters.update validate=false, other key -> the whole plan env',
          st == 'SUCCESS' and res.get('derived_parameters') == {'NtpServer': ['ntp.example.com']}, (st, res))
    st, res = action('tripleo.parameters.get_flatten', {'container': CPLAN})
    check('parameters.get_flatten -> {heat_resource_tree: {parameters, resources}, environment_parameters}',
          st == 'SUCCESS' and set(res) == {'heat_resource_tree', 'environment_parameters'}
          and set(res['heat_resource_tree']) == {'parameters', 'resources'}
          and 'ControllerCount' in res['heat_resource_tree']['parameters']
          and res['environment_parameters'].get('NtpServer') == ['ntp.example.com'], (st, str(res)[:300]))
    st, res = action('tripleo.parameters.reset', {'container': CPLAN})
    env = plan_env(CPLAN) or {}
    check('parameters.reset removes parameter_defaults', st == 'SUCCESS' and 'parameter_defaults' not in env
          and 'parameter_defaults' not in res, (st, env))
    st, res = action('tripleo.parameters.update', {'container': 'smoke-none-' + RUN, 'parameters': {}})
    check('parameters.update on a missing plan -> ERROR with Swift text',
          st == 'ERROR' and 'Error retrieving plan-environment.yaml' in str(res), (st, res))

# ================================================================== deploy
if want('deploy'):
    ex, msgs = expect_run('deploy_plan (create)', 'tripleo.deployment.v1.deploy_plan', {'container': PLAN}, 'SUCCESS',
                          [('tripleo.deployment.v1.deploy_plan', 'RUNNING'),
                           ('tripleo.deployment.v1.deploy_plan', 'SUCCESS')])
    if len(msgs) == 2:
        check('  ... standard envelopes: Workflow Started/DEPLOYING then DEPLOY_SUCCESS, plan_name',
              all(standard_ok(p, ex['id']) and p['plan_name'] == PLAN and p['root_execution_id'] is None
                  for _, _, p in msgs)
              and msgs[0][2]['message'] == 'Workflow Started' and msgs[0][2]['deployment_status'] == 'DEPLOYING'
              and msgs[1][2]['deployment_status'] == 'DEPLOY_SUCCESS', msgs)
    s = wait_stack(PLAN)
    check('Heat: stack %s CREATE_COMPLETE' % PLAN, s and s['stack_status'] == 'CREATE_COMPLETE', s)
    env = plan_env(PLAN) or {}
    pd = env.get('parameter_defaults') or {}
    check('Swift: DeployIdentifier, StackAction CREATE written to the plan',
          isinstance(pd.get('DeployIdentifier'), int) and pd.get('StackAction') == 'CREATE', pd)
    ds = swift_get(PLAN + '-messages', 'deployment_status.yaml')
    check('Swift: %s-messages/deployment_status.yaml DEPLOY_SUCCESS' % PLAN,
          ds is not None and json.loads(ds)['deployment_status'] == 'DEPLOY_SUCCESS', ds)
    ex, msgs = expect_run('get_deployment_status', 'tripleo.deployment.v1.get_deployment_status', {'plan': PLAN},
                          'SUCCESS', [('tripleo.deployment.v1.get_deployment_status', 'SUCCESS')])
    check('  ... deployment_status: the recorded document, DEPLOY_SUCCESS (payload and output)',
          msgs and (msgs[0][2].get('deployment_status') or {}).get('deployment_status') == 'DEPLOY_SUCCESS'
          and (ex['output'].get('deployment_status') or {}).get('deployment_status') == 'DEPLOY_SUCCESS',
          (msgs, ex['output']))
    first_id = pd.get('DeployIdentifier')
    ex, msgs = expect_run('deploy_plan again (update)', 'tripleo.deployment.v1.deploy_plan', {'container': PLAN},
                          'SUCCESS', [('tripleo.deployment.v1.deploy_plan', 'RUNNING'),
                                      ('tripleo.deployment.v1.deploy_plan', 'SUCCESS')])
    s = wait_stack(PLAN)
    pd = (plan_env(PLAN) or {}).get('parameter_defaults') or {}
    check('Heat: stack UPDATE_COMPLETE, StackAction UPDATE', s and s['stack_status'] == 'UPDATE_COMPLETE'
          and pd.get('StackAction') == 'UPDATE', (s and s['stack_status'], pd))
    ex, msgs = expect_run('deploy_plan skip_deploy_identifier', 'tripleo.deployment.v1.deploy_plan',
                          {'container': PLAN, 'skip_deploy_identifier': True}, 'SUCCESS', None)
    wait_stack(PLAN)
    pd2 = (plan_env(PLAN) or {}).get('parameter_defaults') or {}
    check('  ... DeployIdentifier unchanged', pd2.get('DeployIdentifier') == pd.get('DeployIdentifier'), pd2)
    ex, msgs = expect_run('get_deployment_status with nothing recorded', 'tripleo.deployment.v1.get_deployment_status',
                          {'plan': 'smoke-none-' + RUN}, 'ERROR',
                          [('tripleo.deployment.v1.get_deployment_status', 'SUCCESS')])
    check('  ... SUCCESS "No deployment status found", deployment_status "" (payload and output); ERROR after it',
          msgs and msgs[0][2].get('message') == 'No deployment status found for plan smoke-none-' + RUN
          and msgs[0][2].get('deployment_status') == '' and ex['output'].get('deployment_status') == ''
          and (ex.get('state_info') or '').startswith('Failure caused by error in tasks: get_deployment_status'),
          (msgs, ex['output'], ex.get('state_info')))

    # failures
    ex, msgs = expect_run('deploy_plan of a missing plan', 'tripleo.deployment.v1.deploy_plan',
                          {'container': 'smoke-none-' + RUN}, 'ERROR',
                          [('tripleo.deployment.v1.deploy_plan', 'RUNNING'),
                           ('tripleo.deployment.v1.deploy_plan', 'FAILED')])
    check('  ... DEPLOY_FAILED, Swift error text; state_info names send_message',
          len(msgs) == 2 and msgs[1][2]['deployment_status'] == 'DEPLOY_FAILED'
          and 'Error retrieving plan-environment.yaml' in msgs[1][2]['message']
          and (ex.get('state_info') or '').startswith('Failure caused by error in tasks: send_message'),
          (msgs, ex.get('state_info')))
    RPLAN = 'smoke-rejected-' + RUN
    upload_templates(RPLAN)
    action('tripleo.parameters.update', {'container': RPLAN, 'parameters': {'ComputeCount': 'abc'},
                                         'validate': False})
    ex, msgs = expect_run('deploy_plan that Heat rejects (ComputeCount "abc")', 'tripleo.deployment.v1.deploy_plan',
                          {'container': RPLAN}, 'ERROR', [('tripleo.deployment.v1.deploy_plan', 'RUNNING'),
                                                          ('tripleo.deployment.v1.deploy_plan', 'FAILED')])
    check('  ... "Error during stack creation: ERROR: Parameter \'ComputeCount\' is invalid"',
          len(msgs) == 2 and "Error during stack creation: ERROR: Parameter 'ComputeCount' is invalid"
          in msgs[1][2]['message'], msgs)
    FPLAN = 'smoke-testfail-' + RUN
    upload_templates(FPLAN)
    action('tripleo.parameters.update', {'container': FPLAN, 'parameters': {'TestFail': True}, 'validate': False})
    ex, msgs = expect_run('deploy_plan with TestFail (Heat accepts, stack fails)', 'tripleo.deployment.v1.deploy_plan',
                          {'container': FPLAN}, 'SUCCESS', [('tripleo.deployment.v1.deploy_plan', 'RUNNING'),
                                                            ('tripleo.deployment.v1.deploy_plan', 'SUCCESS')])
    s = wait_stack(FPLAN)
    check('  ... Heat: CREATE_FAILED "Test Resource failed"', s and s['stack_status'] == 'CREATE_FAILED'
          and 'Test Resource failed' in s['stack_status_reason'], s)
    ex, msgs = expect_run('get_deployment_status of the failed stack', 'tripleo.deployment.v1.get_deployment_status',
                          {'plan': FPLAN}, 'SUCCESS', None)
    check('  ... the recorded DEPLOY_SUCCESS (Queens records deploy_plan\'s outcome, not the stack\'s)',
          (ex['output'].get('deployment_status') or {}).get('deployment_status') == 'DEPLOY_SUCCESS', ex['output'])

    # delete: refused while the stack exists
    st, res = action('tripleo.plan.delete', {'container': PLAN})
    check('plan.delete with a stack -> ERROR "Cannot delete a plan that has an associated stack."',
          st == 'ERROR' and res == 'Cannot delete a plan that has an associated stack.', (st, res))
    ex, msgs = expect_run('delete_deployment_plan with a stack', 'tripleo.plan_management.v1.delete_deployment_plan',
                          {'container': PLAN}, 'ERROR', [('tripleo.plan_management.v1.delete_deployment_plan',
                                                          'FAILED')])
    for p in (PLAN, FPLAN):
        delete_stack(p)
    ex, msgs = expect_run('delete_deployment_plan', 'tripleo.plan_management.v1.delete_deployment_plan',
                          {'container': PLAN}, 'SUCCESS',
                          [('tripleo.plan_management.v1.delete_deployment_plan', 'SUCCESS')])
    check('Swift: plan and %s-messages containers gone' % PLAN,
          swift_objects(PLAN) is None and swift_objects(PLAN + '-messages') is None, swift_objects(PLAN))
    for p in (FPLAN, RPLAN, BPLAN, 'smoke-client-' + RUN):
        action('tripleo.plan.delete', {'container': p})

    # messaging.send directly
    ex = run('tripleo.messaging.v1.send', {'type': 'smoke.custom', 'execution': {'id': 'e1', 'root_execution_id': None},
                                           'status': 'FAILED', 'message': 'boom', 'payload': {'extra': 1,
                                                                                              'message': 'wins'}})
    got = [m['body'] for m in queue_messages() if m['body'].get('type') == 'smoke.custom']
    check('messaging.v1.send FAILED -> ERROR "Workflow failed due to message status", extra keys merged (extra wins)',
          ex['state'] == 'ERROR' and 'Workflow failed due to message status' in (ex.get('state_info') or '')
          and got and got[-1]['payload'] == {'status': 'FAILED', 'message': 'wins', 'root_execution_id': None,
                                             'execution_id': 'e1', 'plan_name': None, 'deployment_status': None,
                                             'extra': 1}, (ex.get('state_info'), got))

# ================================================================== bare metal
if want('baremetal') or want('clean'):
    bad = [{'name': 'x', 'mac': ['52:54:00:aa:bb:cc']}, {'pm_type': 'fake', 'mac': ['not-a-mac']},
           {'pm_type': 'ipmi', 'mac': ['52:54:00:aa:bb:cc'], 'pm_addr': '127.0.0.1'},
           {'pm_type': 'ipmi', 'mac': ['52:54:00:AA:BB:CC']}]
    ex, msgs = expect_run('validate_nodes (bad nodes)', 'tripleo.baremetal.v1.validate_nodes', {'nodes_json': bad},
                          'ERROR', [('tripleo.baremetal.v1.validate_nodes', 'FAILED')])
    text = msgs[0][2]['message'] if msgs else ''
    check('  ... joined errors: pm_type required, invalid MAC, duplicate MAC, missing pm_addr',
          all(s in text for s in ('node #0: pm_type (ironic driver to use) is required',
                                  'node #1: MAC address not-a-mac is invalid',
                                  'node #3: The following fields are missing: pm_addr',
                                  'node #3: MAC 52:54:00:AA:BB:CC is not unique')), text)
    ex, msgs = expect_run('register_or_update with a bad node', 'tripleo.baremetal.v1.register_or_update',
                          {'nodes_json': {'nodes': bad}}, 'ERROR',
                          [('tripleo.baremetal.v1.validate_nodes', 'FAILED'),
                           ('tripleo.baremetal.v1.register_or_update', 'FAILED')])
    NODES = [{'name': 'smoke-%s-n%d' % (RUN, i), 'pm_type': pt, 'mac': [rand_mac()] * 1 + ([rand_mac()] if i else []),
              'cpu': 2, 'memory': 4096, 'disk': 20, 'arch': 'x86_64', 'capabilities': 'profile:compute'}
             for i, pt in enumerate(['fake-hardware', 'fake', 'fake_pxe'])]
    ex, msgs = expect_run('register_or_update 3 fake nodes', 'tripleo.baremetal.v1.register_or_update',
                          {'nodes_json': NODES}, 'SUCCESS',
                          [('tripleo.baremetal.v1.validate_nodes', 'SUCCESS'), ('tripleo.baremetal.v1.manage', 'SUCCESS'),
                           ('tripleo.baremetal.v1.register_or_update', 'SUCCESS')])
    reg = msgs[-1][2].get('registered_nodes', []) if msgs else ex['output'].get('registered_nodes', [])
    UU = [n['uuid'] for n in reg]
    check('  ... manage message and final registered_nodes (Ironic dicts, driver fake-hardware)',
          len(msgs) == 3 and msgs[1][2]['message'] == '3 node(s) successfully moved to the "manageable" state.'
          and len(reg) == 3 and all(n['driver'] == 'fake-hardware' for n in reg)
          and legacy_ok(msgs[2][2], ex['id'], None) and legacy_ok(msgs[1][2], root=ex['id']), msgs)
    nodes = [node(u) for u in UU]
    ports = req('GET', IR + '/v1/ports?fields=address,node_uuid', headers=IRH)[2]['ports']
    check('Ironic: 3 nodes manageable, ports per MAC, boot_option:local added',
          [n['provision_state'] for n in nodes] == ['manageable'] * 3
          and sum(1 for p in ports if p['node_uuid'] in UU) == 5
          and all('boot_option:local' in n['properties']['capabilities'] for n in nodes),
          [(n['provision_state'], n['properties']) for n in nodes])
    ex, msgs = expect_run('register_or_update again (update, no new nodes)', 'tripleo.baremetal.v1.register_or_update',
                          {'nodes_json': [dict(NODES[0], cpu=4)]}, 'SUCCESS', None)
    check('  ... same node updated in place (cpus 4)', node(UU[0])['properties'].get('cpus') == 4
          and [n['uuid'] for n in (msgs[-1][2].get('registered_nodes') or [])] == UU[:1], msgs and msgs[-1])
    IPMI = [{'name': 'smoke-%s-ipmi' % RUN, 'pm_type': 'ipmi', 'pm_addr': '127.0.0.1', 'pm_port': 6230 + random.randint(0, 900),
             'pm_user': 'admin', 'pm_password': 'x', 'mac': [rand_mac()]}]
    ex, msgs = expect_run('register_or_update ipmi node without BMC', 'tripleo.baremetal.v1.register_or_update',
                          {'nodes_json': IPMI}, 'ERROR',
                          [('tripleo.baremetal.v1.validate_nodes', 'SUCCESS'), ('tripleo.baremetal.v1.manage', 'FAILED'),
                           ('tripleo.baremetal.v1.register_or_update', 'FAILED')], timeout=120)
    ipmi_uuid = None
    found = req('GET', IR + '/v1/nodes/' + IPMI[0]['name'], headers=IRH)[2]
    if isinstance(found, dict):
        ipmi_uuid = found.get('uuid')
    check('  ... Ironic: ipmi node back in enroll with last_error',
          found.get('provision_state') == 'enroll' and 'power' in (found.get('last_error') or '').lower(), found)

if want('baremetal'):
    ex, msgs = expect_run('introspect 2 nodes', 'tripleo.baremetal.v1.introspect', {'node_uuids': UU[:2]}, 'SUCCESS',
                          [('tripleo.baremetal.v1._introspect', 'SUCCESS')] * 2 +
                          [('tripleo.baremetal.v1.introspect', 'SUCCESS')])
    fin = msgs[-1][2] if msgs else {}
    check('  ... introspected_nodes for both, failed_introspection [], message',
          set(fin.get('introspected_nodes', {})) == set(UU[:2]) and fin.get('failed_introspection') == []
          and fin.get('message') == 'Successfully introspected 2 node(s).'
          and all(p.get('node_uuid') in UU[:2] for _, _, p in msgs[:2]), fin)
    # failure trigger: inspect_interface=inspector, nothing listens at [inspector] endpoint
    req('PATCH', IR + '/v1/nodes/' + UU[2], [{'op': 'replace', 'path': '/inspect_interface', 'value': 'inspector'}], IRH)
    ex, msgs = expect_run('introspect with a failing node (max_retry_attempts 1)', 'tripleo.baremetal.v1.introspect',
                          {'node_uuids': [UU[2]], 'max_retry_attempts': 1}, 'ERROR',
                          [('tripleo.baremetal.v1._introspect', 'FAILED'), ('tripleo.baremetal.v1.introspect', 'RUNNING'),
                           ('tripleo.baremetal.v1._introspect', 'FAILED'), ('tripleo.baremetal.v1.introspect', 'FAILED')])
    check('  ... "Retry limit reached with 1 nodes still failing introspection", failed_introspection',
          msgs and msgs[-1][2]['message'] == 'Retry limit reached with 1 nodes still failing introspection'
          and msgs[-1][2]['failed_introspection'] == [UU[2]]
          and msgs[1][2]['message'] == 'Retrying 1 nodes that failed introspection. Attempt 2 of 2 ', msgs)
    check('  ... Ironic: inspect failed with last_error', node(UU[2])['provision_state'] == 'inspect failed'
          and 'inspector' in (node(UU[2])['last_error'] or ''), node(UU[2])['last_error'])
    ex = wait(start('tripleo.baremetal.v1.set_node_state',
                    {'node_uuid': UU[2], 'state_action': 'manage', 'target_state': 'manageable'}))
    code, _, _ = req('PATCH', IR + '/v1/nodes/' + UU[2],
                     [{'op': 'replace', 'path': '/inspect_interface', 'value': 'fake'}], IRH)
    check('Ironic: inspect_interface back to fake (manageable node)', code == 200, code)
    check('set_node_state manage (inspect failed -> manageable), no messages', ex['state'] == 'SUCCESS'
          and node(UU[2])['provision_state'] == 'manageable' and not messages_of(ex['id']), ex['state'])
    ex = wait(start('tripleo.baremetal.v1.set_node_state',
                    {'node_uuid': UU[2], 'state_action': 'active', 'target_state': 'active'}))
    check('set_node_state with a refused verb -> ERROR, output-on-error result = Ironic text',
          ex['state'] == 'ERROR' and 'can not be performed' in str(ex['output'].get('result')), ex['output'])
    ex, msgs = expect_run('introspect_manageable_nodes', 'tripleo.baremetal.v1.introspect_manageable_nodes', {},
                          'SUCCESS', None)
    check('  ... includes our 3 nodes, final introspect_manageable_nodes SUCCESS',
          msgs and msgs[-1][:2] == ('tripleo.baremetal.v1.introspect_manageable_nodes', 'SUCCESS')
          and set(UU) <= set(msgs[-1][2].get('introspected_nodes') or {}), msgs and msgs[-1])
    ex, msgs = expect_run('provide 2 nodes', 'tripleo.baremetal.v1.provide', {'node_uuids': UU[:2]}, 'SUCCESS',
                          [('tripleo.baremetal.v1.provide', 'SUCCESS')])
    check('  ... "2 node(s) successfully moved to the "available" state.", Ironic available + power off',
          msgs and msgs[0][2]['message'] == '2 node(s) successfully moved to the "available" state.'
          and all(node(u)['provision_state'] == 'available' and node(u)['power_state'] == 'power off'
                  for u in UU[:2]), msgs)
    ex, msgs = expect_run('manage 2 available nodes', 'tripleo.baremetal.v1.manage', {'node_uuids': UU[:2]}, 'SUCCESS',
                          [('tripleo.baremetal.v1.manage', 'SUCCESS')])
    check('  ... Ironic manageable', all(node(u)['provision_state'] == 'manageable' for u in UU[:2]), None)
    ex, msgs = expect_run('provide_manageable_nodes', 'tripleo.baremetal.v1.provide_manageable_nodes', {}, 'SUCCESS',
                          None)
    check('  ... provide (child) then provide_manageable_nodes SUCCESS, our nodes available',
          seq(msgs)[-2:] == [('tripleo.baremetal.v1.provide', 'SUCCESS'),
                             ('tripleo.baremetal.v1.provide_manageable_nodes', 'SUCCESS')]
          and all(node(u)['provision_state'] == 'available' for u in UU), seq(msgs))
    # deploy_on_servers: "servers" are the Ironic nodes
    ex, msgs = expect_run('deploy_on_servers', 'tripleo.deployment.v1.deploy_on_servers',
                          {'server_name': 'smoke-%s-n' % RUN, 'config_name': 'smoke-config',
                           'config': '#!/bin/sh\necho hello\n'}, 'SUCCESS', None)
    per = [p for t, s, p in msgs if t == 'tripleo.deployment.v1.deploy_on_server']
    check('  ... 3 deploy_on_server SUCCESS (server_uuid, config_name, status_code 0) + final',
          len(per) == 3 and {p['server_uuid'] for p in per} == set(UU) and all(
              p['status_code'] == 0 and p['config_name'] == 'smoke-config' and standard_ok(p) for p in per)
          and seq(msgs)[-1] == ('tripleo.deployment.v1.deploy_on_servers', 'SUCCESS'), seq(msgs))
    cfg_id = per[0]['stdout'].split()[3] if per else ''
    code, _, cfg = req('GET', HT + '/software_configs/' + cfg_id, headers={'Accept': 'application/json'})
    check('Heat: software config exists (group script)', code == 200 and cfg['software_config']['group'] == 'script',
          (code, cfg))
    ex, msgs = expect_run('deploy_on_servers with the "exit 1" trigger', 'tripleo.deployment.v1.deploy_on_servers',
                          {'server_name': 'smoke-%s-n0' % RUN, 'config_name': 'smoke-fail', 'config': 'exit 1\n'},
                          'ERROR', [('tripleo.deployment.v1.deploy_on_server', 'FAILED'),
                                    ('tripleo.deployment.v1.deploy_on_servers', 'FAILED')])

if want('clean'):
    # manual cleaning on a manageable node
    cu = UU[0]
    if node(cu)['provision_state'] != 'manageable':
        wait(start('tripleo.baremetal.v1.set_node_state', {'node_uuid': cu, 'state_action': 'manage',
                                                          'target_state': 'manageable'}))
    steps = [{'interface': 'bios', 'step': 'apply_configuration',
              'args': {'settings': [{'name': 'ProcVirtualization', 'value': 'Enabled'}]}}]
    ex, msgs = expect_run('manual_cleaning (bios step)', 'tripleo.baremetal.v1.manual_cleaning',
                          {'node_uuid': cu, 'clean_steps': steps, 'retry_delay': 1}, 'SUCCESS',
                          [('tripleo.baremetal.v1.manual_cleaning', 'SUCCESS')])
    bios = req('GET', IR + '/v1/nodes/%s/bios' % cu, headers=IRH)[2]
    check('  ... Ironic manageable, bios setting applied', node(cu)['provision_state'] == 'manageable' and
          [(b['name'], b['value']) for b in bios.get('bios', [])] == [('ProcVirtualization', 'Enabled')], bios)
    # failure trigger: a failing clean step. Like upstream, the workflow does not notice "clean failed" and
    # waits until its polls run out (here 4 polls 1 s apart; defaults: 720 polls 10 s apart, timeout 7200 s)
    ex, msgs = expect_run('manual_cleaning with a failing step (4 polls)', 'tripleo.baremetal.v1.manual_cleaning',
                          {'node_uuid': cu, 'timeout': 60, 'retry_delay': 1, 'retry_count': 4,
                           'clean_steps': [{'interface': 'bios', 'step': 'apply_configuration',
                                            'args': {'settings': [{'bogus': 1}]}}]}, 'ERROR',
                          [('tripleo.baremetal.v1.manual_cleaning', 'FAILED')])
    n = node(cu)
    check('  ... "Cleaning of node <uuid> timed out." after the polls, while Ironic said clean failed at once',
          msgs and msgs[0][2]['message'] == 'Cleaning of node %s timed out.' % cu and ex['took'] >= 3
          and n['provision_state'] == 'clean failed' and n['maintenance'] and 'failed step' in (n['last_error'] or ''),
          (msgs, n['provision_state'], n['last_error']))
    ex, msgs = expect_run('manual_cleaning refused by Ironic (node in clean failed)', 'tripleo.baremetal.v1.manual_cleaning',
                          {'node_uuid': cu, 'clean_steps': steps}, 'ERROR',
                          [('tripleo.baremetal.v1.manual_cleaning', 'FAILED')])
    check('  ... message is Ironic\'s text', msgs and 'clean' in str(msgs[0][2]['message']), msgs)

# ================================================================== websocket
if want('ws') and ZWS:
    try:
        import websocket
        ws = websocket.create_connection(ZWS, timeout=15)
        hdr = {'Client-ID': str(uuid.uuid4()), 'X-Project-ID': PROJECT}
        wq = QUEUE + '-ws'
        for action_, body in (('queue_create', {'queue_name': wq}), ('subscription_create', {'queue_name': wq, 'ttl': 600})):
            ws.send(json.dumps({'action': action_, 'headers': hdr, 'body': body}))
            json.loads(ws.recv())
        ex_id = start('tripleo.plan_management.v1.list_plans', {'queue_name': wq})
        t = time.time()
        frame = json.loads(ws.recv())
        check('websocket subscriber got the workflow\'s message (%.0f ms)' % ((time.time() - t) * 1000),
              frame.get('Message_Type') == 'Notification'
              and frame['body']['payload']['execution']['id'] == ex_id, frame)
        ws.close()
        wait(ex_id)
    except Exception as e:  # noqa
        check('websocket subscription', False, repr(e))

# cleanup of the nodes this run created
for u in (globals().get('UU') or []) + ([globals().get('ipmi_uuid')] if globals().get('ipmi_uuid') else []):
    delete_node(u)

print('smoke took %.1fs' % (time.time() - T0))
print('%d passed, %d failed' % (len(PASS), len(FAIL)))
sys.exit(1 if FAIL else 0)
PYEOF
