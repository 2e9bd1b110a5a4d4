"""tripleo.baremetal.validate_nodes and tripleo.baremetal.register_or_update_nodes
on the real Ironic (fake-hardware and ipmi hardware types).

instackenv fields (tripleo-common utils/nodes.py, Queens), reduced to what this
undercloud's Ironic can take: pm_type fake / fake_pxe / fake_agent /
manual-management / fake-hardware -> driver fake-hardware; ipmi / *_ipmitool ->
ipmi. Other drivers of the real list validate (their required fields are
checked) but Ironic here does not enable them, so registering them fails with
Ironic's own error. kernel_name / ramdisk_name are accepted and ignored (no
Glance here).
"""
import re

from mistral_lib import actions

from tripleo_undercloud import endpoints as ep

_MAC_RE = re.compile(r'^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$')


class _Driver(object):
    def __init__(self, pattern, prefix, driver, required=(), has_port=False, extra_required=()):
        self.pattern = re.compile(pattern)
        self.prefix = prefix
        self.driver = driver
        self.required = tuple(required) + tuple(extra_required)
        self.has_port = has_port

    def driver_name(self, pm_type):
        return self.driver or pm_type

    def driver_info(self, node):
        info = {}
        if not self.prefix:
            return info
        for src, dst in (('pm_addr', 'address'), ('pm_user', 'username'),
                         ('pm_password', 'password'), ('pm_port', 'port')):
            if node.get(src) is not None and (dst != 'port' or self.has_port):
                info['%s_%s' % (self.prefix, dst)] = node[src]
        if node.get('pm_system_id') is not None:
            info['redfish_system_id'] = node['pm_system_id']
        for k, v in node.items():
            if k.startswith(self.prefix + '_'):
                info[k] = v
        return info

    def identity(self, node):
        if not node.get('pm_addr'):
            return None
        ident = str(node['pm_addr'])
        if self.has_port and node.get('pm_port') is not None:
            ident += ':%s' % node['pm_port']
        if node.get('pm_system_id'):
            ident += '/%s' % node['pm_system_id']
        return ident


_AUP = ('pm_addr', 'pm_user', 'pm_password')
DRIVERS = [
    _Driver(r'^(fake|fake_pxe|fake_agent|manual-management|fake-hardware)$', None, 'fake-hardware'),
    _Driver(r'^(ipmi|.*_ipmitool)$', 'ipmi', 'ipmi', ('pm_addr',), has_port=True),
    _Driver(r'^(idrac|.*_drac)$', 'drac', 'idrac', _AUP, has_port=True),
    _Driver(r'^(ilo|.*_ilo)$', 'ilo', 'ilo', _AUP, has_port=True),
    _Driver(r'^(irmc|.*_irmc)$', 'irmc', 'irmc', _AUP, has_port=True),
    _Driver(r'^redfish$', 'redfish', 'redfish', _AUP + ('pm_system_id',)),
    _Driver(r'^xclarity$', 'xclarity', 'xclarity', _AUP, has_port=True),
]

_INTERFACES = ('boot', 'console', 'deploy', 'inspect', 'management', 'network', 'power', 'raid',
               'rescue', 'storage', 'vendor')
_KNOWN = {'pm_type', 'pm_addr', 'pm_user', 'pm_password', 'pm_port', 'pm_system_id', 'mac', 'ports',
          'cpu', 'memory', 'disk', 'arch', 'root_device', 'name', 'capabilities', 'kernel_id',
          'ramdisk_id', 'platform', 'resource_class', '_comment'} | {i + '_interface' for i in _INTERFACES}


def find_driver(pm_type):
    for d in DRIVERS:
        if d.pattern.match(str(pm_type)):
            return d
    return None


def node_list(nodes_json):
    if isinstance(nodes_json, dict):
        nodes_json = nodes_json.get('nodes', [])
    return list(nodes_json or [])


def node_macs(node):
    macs = node.get('mac') or []
    if isinstance(macs, str):
        macs = [macs]
    macs = list(macs) + [p.get('address') for p in node.get('ports') or [] if isinstance(p, dict)]
    return [m for m in macs if m]


def capabilities_to_dict(caps):
    if isinstance(caps, dict):
        return {k: v for k, v in caps.items() if v is not None}
    out = {}
    for item in str(caps or '').split(','):
        if not item.strip():
            continue
        k, sep, v = item.partition(':')
        if not sep or not k.strip():
            raise ValueError('Invalid capabilities: %s' % caps)
        out[k.strip()] = v.strip()
    return out


def validate(nodes):
    """Returns the error lines of tripleo-common's validate_nodes."""
    failures = []
    macs, ids, names = set(), set(), set()
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            failures.append((i, 'node data must be an object'))
            continue
        pm_type = node.get('pm_type')
        drv = find_driver(pm_type) if pm_type else None
        if not pm_type:
            failures.append((i, 'pm_type (ironic driver to use) is required'))
        elif drv is None:
            failures.append((i, 'unknown pm_type (ironic driver to use): %s' % pm_type))
        if drv is not None:
            missing = [f for f in drv.required if not node.get(f)]
            if missing:
                failures.append((i, 'The following fields are missing: %s' % ', '.join(missing)))
            ident = drv.identity(node)
            if ident:
                if ident in ids:
                    failures.append((i, 'Node identified by %s is already present' % ident))
                ids.add(ident)
        for mac in node_macs(node):
            if not _MAC_RE.match(str(mac)):
                failures.append((i, 'MAC address %s is invalid' % mac))
            elif mac.lower() in macs:
                failures.append((i, 'MAC %s is not unique' % mac))
            else:
                macs.add(mac.lower())
        if node.get('name'):
            if node['name'] in names:
                failures.append((i, 'Name "%s" is not unique' % node['name']))
            names.add(node['name'])
        if node.get('platform') and not node.get('arch'):
            failures.append((i, 'You have specified a platform without an architecture'))
        if 'capabilities' in node:
            try:
                capabilities_to_dict(node['capabilities'])
            except ValueError as e:
                failures.append((i, str(e)))
        if 'root_device' in node and not isinstance(node['root_device'], dict):
            failures.append((i, 'Invalid root device hints: %s' % node['root_device']))
        prefix = drv.prefix if drv is not None else None
        for k in node:
            if k in _KNOWN or (prefix and k.startswith(prefix + '_')):
                continue
            failures.append((i, 'Unknown field %s' % k))
    return ['node #%d: %s' % f for f in failures]


class ValidateNodesAction(actions.Action):
    """tripleo.baremetal.validate_nodes: null, or error `Invalid node data: node #i: ...` lines."""

    def __init__(self, nodes_json):
        super().__init__()
        self.nodes_json = nodes_json

    def run(self, context):
        errors = validate(node_list(self.nodes_json))
        if errors:
            return actions.Result(error='Invalid node data: ' + '\n'.join(errors))
        return None


def _node_fields(node, instance_boot_option):
    drv = find_driver(node.get('pm_type'))
    props = {}
    for src, dst, conv in (('cpu', 'cpus', int), ('memory', 'memory_mb', int),
                           ('disk', 'local_gb', int), ('arch', 'cpu_arch', str)):
        if node.get(src) is not None:
            props[dst] = conv(node[src])
    caps = capabilities_to_dict(node.get('capabilities'))
    if instance_boot_option and 'boot_option' not in caps:
        caps['boot_option'] = instance_boot_option
    if caps:
        props['capabilities'] = ','.join('%s:%s' % kv for kv in sorted(caps.items()))
    if node.get('root_device'):
        props['root_device'] = node['root_device']
    fields = {'driver': drv.driver_name(node['pm_type']), 'driver_info': drv.driver_info(node),
              'properties': props, 'resource_class': node.get('resource_class') or 'baremetal'}
    if node.get('kernel_id'):
        fields['driver_info']['deploy_kernel'] = node['kernel_id']
    if node.get('ramdisk_id'):
        fields['driver_info']['deploy_ramdisk'] = node['ramdisk_id']
    if node.get('name'):
        fields['name'] = node['name']
    if node.get('platform'):
        fields['extra'] = {'tripleo_platform': node['platform']}
    for i in _INTERFACES:
        if node.get(i + '_interface'):
            fields[i + '_interface'] = node[i + '_interface']
    return fields


def _existing():
    """Maps of the Ironic nodes: MAC -> uuid, driver identity -> uuid, name -> uuid."""
    _, _, ports = ep.ironic('GET', 'ports?fields=address,node_uuid', ok=(200,))
    by_mac = {p['address'].lower(): p['node_uuid'] for p in ports.get('ports', [])}
    _, _, nodes = ep.ironic('GET', 'nodes?fields=uuid,name,driver,driver_info', ok=(200,))
    by_id, by_name = {}, {}
    for n in nodes.get('nodes', []):
        if n.get('name'):
            by_name[n['name']] = n['uuid']
        info = n.get('driver_info') or {}
        for d in DRIVERS:
            if d.prefix and info.get(d.prefix + '_address'):
                ident = str(info[d.prefix + '_address'])
                if d.has_port and info.get(d.prefix + '_port') is not None:
                    ident += ':%s' % info[d.prefix + '_port']
                by_id[ident] = n['uuid']
    return by_mac, by_id, by_name, [n['uuid'] for n in nodes.get('nodes', [])]


class RegisterOrUpdateNodesAction(actions.Action):
    """tripleo.baremetal.register_or_update_nodes: creates (with one port per MAC)
    or updates the Ironic nodes of nodes_json; returns their Ironic node dicts."""

    def __init__(self, nodes_json, remove=False, kernel_name=None, ramdisk_name=None,
                 instance_boot_option='local'):
        super().__init__()
        self.nodes_json = nodes_json
        self.remove = remove
        self.kernel_name = kernel_name
        self.ramdisk_name = ramdisk_name
        self.instance_boot_option = instance_boot_option

    def run(self, context):
        try:
            return self._run()
        except ep.HTTPError as e:
            return actions.Result(error='Error registering nodes: %s' % ep.ironic_error_message(e))
        except (ValueError, OSError) as e:
            return actions.Result(error='Error registering nodes: %s' % e)

    def _run(self):
        nodes = node_list(self.nodes_json)
        by_mac, by_id, by_name, all_uuids = _existing()
        seen = []
        for node in nodes:
            drv = find_driver(node.get('pm_type'))
            if drv is None:
                raise ValueError('unknown pm_type (ironic driver to use): %s' % node.get('pm_type'))
            cands = {by_mac[m.lower()] for m in node_macs(node) if m.lower() in by_mac}
            ident = drv.identity(node)
            if ident and ident in by_id:
                cands.add(by_id[ident])
            if not cands and node.get('name') in by_name:
                cands.add(by_name[node['name']])
            if len(cands) > 1:
                raise ValueError('Several candidates found for the same node data: %s and %s'
                                 % tuple(sorted(cands))[:2])
            fields = _node_fields(node, self.instance_boot_option)
            if cands:
                uuid = cands.pop()
                ops = []
                for k, v in fields.items():
                    if k == 'driver':
                        ops.append({'op': 'replace', 'path': '/driver', 'value': v})
                    elif isinstance(v, dict):
                        ops.extend({'op': 'add', 'path': '/%s/%s' % (k, sk), 'value': sv}
                                   for sk, sv in v.items())
                    else:
                        ops.append({'op': 'add', 'path': '/' + k, 'value': v})
                if ops:
                    ep.ironic('PATCH', 'nodes/%s' % uuid, body=ops, ok=(200,))
            else:
                _, _, created = ep.ironic('POST', 'nodes', body=fields, ok=(201,))
                uuid = created['uuid']
                for mac in node_macs(node):
                    ep.ironic('POST', 'ports', body={'address': mac.lower(), 'node_uuid': uuid,
                                                     'physical_network': 'ctlplane'}, ok=(201,))
                    by_mac[mac.lower()] = uuid
            seen.append(uuid)
        if self.remove:
            for uuid in all_uuids:
                if uuid not in seen:
                    ep.ironic('DELETE', 'nodes/%s' % uuid, ok=(204,))
        return [ep.ironic('GET', 'nodes/%s' % u, ok=(200,))[2] for u in seen]
