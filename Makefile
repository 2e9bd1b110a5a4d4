.PHONY: test integration

# unit tests
test:
	go test -race ./...

# real-server integration tests: undercloud up, go test -tags integration ./integration/..., undercloud down
integration:
	scripts/integration $(ARGS)
