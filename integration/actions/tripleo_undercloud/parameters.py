"""tripleo.parameters.* on the plan's plan-environment.yaml in the real Swift,
validated by the real Heat (POST /validate).

The plan is the Swift container <container>: its template (plan env key
`template`, default overcloud.yaml) and plan-environment.yaml (version, name,
template, environments, parameter_defaults, passwords, ...). What Heat gets is
the stand-in for tripleo.templates.process: the template as stored plus one
environment whose parameter_defaults are the passwords overlaid with the
user's parameter_defaults (user values win). `environments` entries are kept
in the plan but not rendered (the default template set has none).
"""
import base64
import os
import random
import string
import uuid

import yaml
from mistral_lib import actions

from tripleo_undercloud import endpoints as ep

PLAN_ENV = 'plan-environment.yaml'


class PlanError(Exception):
    pass


def get_plan_env(container):
    try:
        data = ep.swift_get_object(container, PLAN_ENV)
    except ep.HTTPError as e:
        if e.status == 404:
            raise PlanError('Error retrieving %s for plan %s: %s' % (PLAN_ENV, container, e))
        raise
    env = yaml.safe_load(data) or {}
    if not isinstance(env, dict):
        raise PlanError('%s of plan %s is not a mapping' % (PLAN_ENV, container))
    env['name'] = container   # forced to the container name on read, as tripleo-common did
    return env


def put_plan_env(container, env):
    ep.swift_put_object(container, PLAN_ENV,
                        yaml.safe_dump(env, default_flow_style=False, sort_keys=False).encode())


def heat_environment(env, container=None):
    """One Heat environment: each `environments` entry in order ({path: <object>}
    read from the plan container, or {data: {...}}), then parameter_defaults =
    passwords, derived_parameters and the user's parameter_defaults (user wins),
    then the plan env's own resource_registry."""
    params, registry = {}, {}
    for entry in env.get('environments') or []:
        data = None
        if isinstance(entry, dict) and entry.get('data'):
            data = entry['data']
        elif isinstance(entry, dict) and entry.get('path') and container:
            try:
                data = yaml.safe_load(ep.swift_get_object(container, entry['path']))
            except ep.HTTPError as e:
                raise PlanError('Error retrieving environment %s of plan %s: %s'
                                % (entry['path'], container, e))
        if isinstance(data, dict):
            params.update(data.get('parameter_defaults') or {})
            registry.update(data.get('resource_registry') or {})
    params.update(env.get('passwords') or {})
    params.update(env.get('derived_parameters') or {})
    params.update(env.get('parameter_defaults') or {})
    registry.update(env.get('resource_registry') or {})
    out = {'parameter_defaults': params}
    if registry:
        out['resource_registry'] = registry
    return out


def process_templates(container, env=None):
    """Stand-in for tripleo.templates.process: {stack_name, template, environment, files}."""
    env = env if env is not None else get_plan_env(container)
    tmpl_name = env.get('template') or 'overcloud.yaml'
    try:
        template = ep.swift_get_object(container, tmpl_name).decode()
    except ep.HTTPError as e:
        raise PlanError('Error retrieving template %s of plan %s: %s' % (tmpl_name, container, e))
    return {'stack_name': container, 'template': template,
            'environment': heat_environment(env, container), 'files': {}}


def heat_validate(container, env):
    """POST /validate?show_nested=true; returns Heat's answer or raises PlanError."""
    body = process_templates(container, env)
    body.pop('stack_name')
    try:
        _, _, res = ep.heat('POST', 'validate?show_nested=true', body=body, ok=(200,))
    except ep.HTTPError as e:
        raise PlanError(ep.heat_error_message(e))
    return res, body['environment']


def flatten(validated, environment):
    """{heat_resource_tree: {parameters, resources}, environment_parameters} from a
    Heat validate answer, the shape of tripleo-common's get_flatten (parameter
    keys camelCased: type, default, description, label, noEcho, ...)."""
    tree = {'parameters': {}, 'resources': {}}

    def walk(name, data):
        rid = str(uuid.uuid4())
        node = {'id': rid, 'name': name}
        if 'Type' in data:
            node['type'] = data['Type']
        if 'Description' in data:
            node['description'] = data['Description']
        params = data.get('Parameters') or {}
        node['parameters'] = sorted(params)
        for pname, p in params.items():
            # tripleo-common's _process_params: Heat's keys with the first
            # letter lower-cased (Type -> type, NoEcho -> noEcho), first
            # occurrence of a name wins
            if pname in tree['parameters']:
                continue
            entry = {k[:1].lower() + k[1:]: v for k, v in p.items()}
            entry['name'] = pname
            tree['parameters'][pname] = entry
        if data.get('ParameterGroups'):
            node['parameter_groups'] = data['ParameterGroups']
        nested = data.get('NestedParameters') or {}
        if nested:
            node['resources'] = [walk(k, v) for k, v in sorted(nested.items())]
        tree['resources'][rid] = node
        return rid

    walk('Root', validated)
    return {'heat_resource_tree': tree, 'environment_parameters': environment['parameter_defaults']}


class UpdateParametersAction(actions.Action):
    """tripleo.parameters.update: merges `parameters` into plan env[key]."""

    def __init__(self, parameters, container='overcloud', key='parameter_defaults', validate=True):
        super().__init__()
        self.parameters = parameters
        self.container = container
        self.key = key
        self.validate = validate

    def run(self, context):
        try:
            env = get_plan_env(self.container)
            previous = yaml.safe_load(yaml.safe_dump(env))
            cur = env.get(self.key)
            if isinstance(cur, dict) and isinstance(self.parameters, dict):
                cur.update(self.parameters)
            else:
                env[self.key] = self.parameters
            put_plan_env(self.container, env)
            if not self.validate:
                return env
            try:
                validated, environment = heat_validate(self.container, env)
            except PlanError as e:
                put_plan_env(self.container, previous)   # restore, as tripleo-common did
                return actions.Result(error='Error validating environment for plan %s: %s'
                                            % (self.container, e))
            return flatten(validated, environment)
        except PlanError as e:
            return actions.Result(error=str(e))
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error='Error updating parameters for plan %s: %s' % (self.container, e))


class ResetParametersAction(actions.Action):
    """tripleo.parameters.reset: removes env[key] entirely."""

    def __init__(self, container='overcloud', key='parameter_defaults'):
        super().__init__()
        self.container = container
        self.key = key

    def run(self, context):
        try:
            env = get_plan_env(self.container)
            env.pop(self.key, None)
            put_plan_env(self.container, env)
            return env
        except PlanError as e:
            return actions.Result(error=str(e))
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error='Error resetting parameters for plan %s: %s' % (self.container, e))


class GetFlattenedParametersAction(actions.Action):
    """tripleo.parameters.get_flatten: Heat-validated parameter tree of the plan."""

    def __init__(self, container='overcloud'):
        super().__init__()
        self.container = container

    def run(self, context):
        try:
            env = get_plan_env(self.container)
            return flatten(*heat_validate(self.container, env))
        except PlanError as e:
            return actions.Result(error=str(e))
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error='Error getting parameters for plan %s: %s' % (self.container, e))


# a few of tripleo-common's ~58 password names, with its lengths/kinds
_PASSWORDS = {
    'AdminPassword': 25, 'AdminToken': 25, 'CeilometerPassword': 25, 'GlancePassword': 25,
    'HeatPassword': 25, 'HeatAuthEncryptionKey': 32, 'HorizonSecret': 10, 'IronicPassword': 25,
    'KeystoneCredential0': 'b64', 'KeystoneCredential1': 'b64', 'KeystoneFernetKey0': 'b64',
    'MysqlRootPassword': 10, 'NeutronPassword': 25, 'NovaPassword': 25, 'PcsdPassword': 16,
    'RabbitCookie': 20, 'RabbitPassword': 25, 'SwiftPassword': 25, 'ZaqarPassword': 25,
    'CephClusterFSID': 'uuid',
}


def _new_password(kind):
    if kind == 'b64':
        return base64.urlsafe_b64encode(os.urandom(32)).decode()
    if kind == 'uuid':
        return str(uuid.uuid4())
    rnd = random.SystemRandom()
    return ''.join(rnd.choice(string.ascii_letters + string.digits) for _ in range(kind))


class GeneratePasswordsAction(actions.Action):
    """tripleo.parameters.generate_passwords: fills plan env `passwords`,
    never overwriting an existing value; returns the passwords dict."""

    def __init__(self, container='overcloud'):
        super().__init__()
        self.container = container

    def run(self, context):
        try:
            env = get_plan_env(self.container)
            pw = env.get('passwords') or {}
            for name, kind in sorted(_PASSWORDS.items()):
                if name not in pw:
                    pw[name] = _new_password(kind)
            env['passwords'] = pw
            put_plan_env(self.container, env)
            return pw
        except PlanError as e:
            return actions.Result(error=str(e))
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error='Error generating passwords for plan %s: %s' % (self.container, e))


class ProcessTemplatesAction(actions.Action):
    """tripleo.templates.process: {stack_name, template, environment, files}
    ready for Heat's stack create/update (see process_templates)."""

    def __init__(self, container='overcloud'):
        super().__init__()
        self.container = container

    def run(self, context):
        try:
            return process_templates(self.container)
        except PlanError as e:
            return actions.Result(error=str(e))
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error='Error processing templates of plan %s: %s' % (self.container, e))
