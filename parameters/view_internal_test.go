package parameters

import "testing"

func TestParseViewListsAParameterOnceWhenAnUnnamedKeyNamesIt(t *testing.T) {
	v, err := parseView([]byte(`{"heat_resource_tree": {"parameters": {"": {"name": "A", "type": "Number"}, "A": {"type": "String"}, "B": {}}}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Parameters) != 2 || v.Parameters[0].Name != "A" || v.Parameters[0].Type != "String" || v.Parameters[1].Name != "B" {
		t.Fatalf("parameters %+v: want A (the keyed one) and B", v.Parameters)
	}
}
