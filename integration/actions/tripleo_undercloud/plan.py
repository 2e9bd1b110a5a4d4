"""tripleo.plan.* and tripleo.templates.upload on the real Swift (and Heat).

Errors are returned as mistral_lib Result(error=<text>), so an action
execution ends ERROR with output {"result": "<text>"} exactly (tripleo-common
returned most of these the same way; plan.delete raised StackInUseError, whose
text Mistral would have prefixed with "Failed to run action [...]").
"""
import os
import re

from mistral_lib import actions

from tripleo_undercloud import endpoints as ep

TRIPLEO_META_USAGE_KEY = 'x-container-meta-usage-tripleo'
DEFAULT_TEMPLATES = os.path.join(os.path.dirname(__file__), 'default_templates')


def _delete_container(container):
    """Deletes every object and then the container; returns an error text or None."""
    status, _, _ = ep.swift('HEAD', ep.quote(container), ok=None)
    if status == 404:
        return 'Container GET failed: %s/%s 404 Not Found' % (ep.url('swift'), container)
    for name in ep.swift_list(container):
        ep.swift('DELETE', '%s/%s' % (ep.quote(container), ep.quote(name)), ok=(204, 404))
    ep.swift('DELETE', ep.quote(container), ok=(204, 404))
    return None


class CreateContainerAction(actions.Action):
    """tripleo.plan.create_container: a Swift container marked as a plan."""

    def __init__(self, container):
        super().__init__()
        self.container = container

    def run(self, context):
        if not re.match(r'^[a-zA-Z0-9-]+$', str(self.container)):
            return actions.Result(error='Unable to create plan. The plan name must only contain '
                                        'letters, numbers or dashes')
        try:
            if ep.swift_container_exists(self.container):
                return actions.Result(error='A container with the name %s already exists.' % self.container)
            ep.swift('PUT', ep.quote(self.container), headers={'X-Container-Meta-Usage-Tripleo': 'plan'},
                     ok=(201, 202))
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error=str(e))
        return None


class ListPlansAction(actions.Action):
    """tripleo.plan.list: names of the containers that carry the plan metadata key."""

    def run(self, context):
        try:
            _, _, containers = ep.swift('GET', '?format=json', ok=(200, 204))
            plans = []
            for c in containers or []:
                _, headers, _ = ep.swift('HEAD', ep.quote(c['name']), ok=(200, 204))
                if TRIPLEO_META_USAGE_KEY in {k.lower() for k in headers.keys()}:
                    plans.append(c['name'])
            return plans
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error=str(e))


class DeletePlanAction(actions.Action):
    """tripleo.plan.delete: refuses while a Heat stack of that name exists;
    else deletes <container> and <container>-swift-rings (and -messages)."""

    def __init__(self, container):
        super().__init__()
        self.container = container

    def run(self, context):
        try:
            status, _, _ = ep.heat('GET', 'stacks/%s' % ep.quote(self.container), ok=None)
            if status in (200, 302):
                return actions.Result(error='Cannot delete a plan that has an associated stack.')
            err = _delete_container(self.container)
            if err:
                return actions.Result(error=err)
            for side in ('%s-swift-rings' % self.container, '%s-messages' % self.container):
                if ep.swift_container_exists(side):
                    _delete_container(side)
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error=str(e))
        return None


class UploadTemplatesAction(actions.Action):
    """tripleo.templates.upload: uploads a templates directory into the plan
    container (default: the small default template set shipped here, the
    stand-in for /usr/share/openstack-tripleo-heat-templates)."""

    def __init__(self, container='overcloud', templates_path=None):
        super().__init__()
        self.container = container
        self.templates_path = templates_path or DEFAULT_TEMPLATES

    def run(self, context):
        uploaded = []
        try:
            for root, dirs, files in os.walk(self.templates_path):
                dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
                for f in sorted(files):
                    if f.startswith('.') or f.endswith('.pyc'):
                        continue
                    path = os.path.join(root, f)
                    name = os.path.relpath(path, self.templates_path)
                    with open(path, 'rb') as fh:
                        ep.swift_put_object(self.container, name, fh.read())
                    uploaded.append(name)
        except (ep.HTTPError, OSError) as e:
            return actions.Result(error='Error uploading templates to plan %s: %s' % (self.container, e))
        return uploaded
