package instackenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"
)

// genInventory returns an n-node instackenv document (JSON or YAML) of the
// shape real files have: ipmi nodes behind virtual BMCs (one address, many
// ports), string numerics, capabilities, one MAC each, all valid and unique.
func genInventory(tb testing.TB, n int, asYAML bool) []byte {
	tb.Helper()
	nodes := make([]map[string]any, n)
	for i := range nodes {
		nodes[i] = map[string]any{
			"name":         fmt.Sprintf("overcloud-node-%05d", i),
			"pm_type":      "ipmi",
			"pm_addr":      fmt.Sprintf("10.%d.%d.1", i/256%256, i%256),
			"pm_port":      fmt.Sprint(6230 + i%100),
			"pm_user":      "admin",
			"pm_password":  fmt.Sprintf("Bench-Pa55-%05d", i),
			"mac":          []string{fmt.Sprintf("52:54:%02x:%02x:%02x:%02x", i>>24&255, i>>16&255, i>>8&255, i&255)},
			"cpu":          "8",
			"memory":       "16384",
			"disk":         "60",
			"arch":         "x86_64",
			"capabilities": "profile:compute,boot_option:local",
		}
	}
	doc := map[string]any{"nodes": nodes}
	var b []byte
	var err error
	if asYAML {
		b, err = yaml.Marshal(doc)
	} else {
		b, err = json.MarshalIndent(doc, "", "  ")
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func benchReadValidate(b *testing.B, n int, asYAML bool) {
	data := genInventory(b, n, asYAML)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		inv, err := Read(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if err := inv.Validate(); err != nil {
			b.Fatal(err)
		}
		if len(inv.Nodes) != n {
			b.Fatal("wrong node count")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
}

// BenchmarkReadValidate10000 reads and validates a 10,000-node JSON inventory.
func BenchmarkReadValidate10000(b *testing.B) { benchReadValidate(b, 10000, false) }

// BenchmarkReadValidate1000 is the same with 1,000 nodes: ns/node stays flat
// (the uniqueness checks are map lookups, not pairwise comparisons).
func BenchmarkReadValidate1000(b *testing.B) { benchReadValidate(b, 1000, false) }

// BenchmarkReadValidateYAML10000 is BenchmarkReadValidate10000 on the YAML form.
func BenchmarkReadValidateYAML10000(b *testing.B) { benchReadValidate(b, 10000, true) }

// BenchmarkValidate10000 measures Validate alone on 10,000 nodes.
func BenchmarkValidate10000(b *testing.B) {
	inv, err := Read(bytes.NewReader(genInventory(b, 10000, false)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := inv.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
