"""Python actions of the project's test undercloud (scripts/undercloud).

TripleO's own tripleo.* actions were Python classes that Mistral loaded through
the "mistral.actions" entry points of tripleo-common. These are small
stand-ins with the same names and inputs, acting on the real Swift, Heat and
Ironic of the harness over HTTP (urllib, no service clients). They exist only
where a Mistral ad-hoc action cannot do the job: an ad-hoc action wraps one
base action (one std.http call), so read-modify-write (parameters.update,
parameters.reset), conditional refusals with exact error texts
(plan.create_container, plan.delete) and multi-request logic
(baremetal.register_or_update_nodes) need code. Everything else is done by the
workbooks themselves through std.http.

The harness puts integration/actions on the Mistral process's PYTHONPATH; the
tripleo_undercloud-0.1.dist-info directory beside this package declares the
entry points, so stevedore/importlib.metadata find them like an installed
distribution's.
"""
