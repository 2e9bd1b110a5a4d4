.PHONY: test integration

# unit tests
test:
	go test -race ./... ./examples/tripleo/...

# real-server integration tests: undercloud up, go test -tags integration ./integration/..., undercloud down
integration:
	scripts/integration $(ARGS)
