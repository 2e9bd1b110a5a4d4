package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tripleo-go/sdk/tripleo"
)

// Output formats (-f), as the openstack client's: table (boxed, the default),
// json (a list of objects keyed by column names, or one object for a record),
// value (space-separated values, one row a line).
const (
	formatTable = "table"
	formatJSON  = "json"
	formatValue = "value"
)

func (a *app) checkOutputFlags() error {
	switch a.format {
	case formatTable, formatJSON, formatValue:
		return nil
	}
	return usageErrorf("unknown output format %q (want table, json or value)", a.format)
}

// list prints rows under cols (a listing: "openstack ... list").
func (a *app) list(cols []string, rows [][]any) error {
	cols, rows, err := a.selectColumns(cols, rows)
	if err != nil {
		return err
	}
	switch a.format {
	case formatJSON:
		var b bytes.Buffer
		b.WriteByte('[')
		for i, r := range rows {
			if i > 0 {
				b.WriteByte(',')
			}
			writeObject(&b, cols, r)
		}
		b.WriteByte(']')
		return writeIndented(a.stdout, b.Bytes())
	case formatValue:
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = cell(v)
			}
			fmt.Fprintln(a.stdout, strings.Join(cells, " "))
		}
		return nil
	}
	if len(rows) == 0 {
		return nil
	}
	writeTable(a.stdout, cols, rows)
	return nil
}

// record prints one object as Field | Value rows ("openstack ... show").
func (a *app) record(fields []string, values []any) error {
	rows := [][]any{values}
	fields, rows, err := a.selectColumns(fields, rows)
	if err != nil {
		return err
	}
	values = rows[0]
	switch a.format {
	case formatJSON:
		var b bytes.Buffer
		writeObject(&b, fields, values)
		return writeIndented(a.stdout, b.Bytes())
	case formatValue:
		for _, v := range values {
			fmt.Fprintln(a.stdout, cell(v))
		}
		return nil
	}
	tr := make([][]any, len(fields))
	for i, f := range fields {
		tr[i] = []any{f, values[i]}
	}
	writeTable(a.stdout, []string{"Field", "Value"}, tr)
	return nil
}

// document prints a JSON document (an execution output, an action result) as
// indented JSON whatever the format; value prints a string as plain text.
func (a *app) document(v any) error {
	if a.format == formatValue {
		switch x := v.(type) {
		case string:
			fmt.Fprintln(a.stdout, x)
			return nil
		case []any:
			for _, e := range x {
				fmt.Fprintln(a.stdout, cell(e))
			}
			return nil
		}
	}
	return writeIndented(a.stdout, marshal(v))
}

// selectColumns applies -c.
func (a *app) selectColumns(cols []string, rows [][]any) ([]string, [][]any, error) {
	if len(a.columns) == 0 {
		return cols, rows, nil
	}
	idx := make([]int, 0, len(a.columns))
	for _, c := range a.columns {
		i := slices.IndexFunc(cols, func(s string) bool { return strings.EqualFold(s, c) })
		if i < 0 {
			return nil, nil, usageErrorf("no column %q (columns: %s)", c, strings.Join(cols, ", "))
		}
		idx = append(idx, i)
	}
	sel := make([]string, len(idx))
	for j, i := range idx {
		sel[j] = cols[i]
	}
	out := make([][]any, len(rows))
	for r, row := range rows {
		out[r] = make([]any, len(idx))
		for j, i := range idx {
			out[r][j] = row[i]
		}
	}
	return sel, out, nil
}

// masked returns v with secret-looking keys masked, unless --show-secrets.
func (a *app) masked(v any) any {
	if a.showSecrets {
		return v
	}
	return tripleo.MaskSecrets(v)
}

// object turns a Mistral Object into a generic value for output (masked).
func (a *app) object(o tripleo.Object) any {
	if o == nil {
		return map[string]any{}
	}
	return a.masked(o.Map())
}

// generic turns v into plain JSON values (maps, slices, json.Number, ...) by a
// round trip through JSON, so that MaskSecrets reaches inside structs.
func generic(v any) any {
	dec := json.NewDecoder(bytes.NewReader(marshal(v)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return v
	}
	return out
}

// cell renders a value for a table or value cell.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case []string:
		return strings.Join(x, ", ")
	case fmt.Stringer:
		return x.String()
	case json.RawMessage:
		var s string
		if json.Unmarshal(x, &s) == nil {
			return s
		}
		return string(x)
	case int64, float64, uint, int32, float32:
		return fmt.Sprint(x)
	}
	return string(marshal(v))
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(strconv.Quote(fmt.Sprint(v)))
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// writeObject writes a JSON object with keys in the given order.
func writeObject(b *bytes.Buffer, keys []string, values []any) {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(marshal(k))
		b.WriteByte(':')
		b.Write(marshal(values[i]))
	}
	b.WriteByte('}')
}

func writeIndented(w io.Writer, compact []byte) error {
	var out bytes.Buffer
	if err := json.Indent(&out, compact, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// writeTable draws an openstack-client style table; cells may span lines.
func writeTable(w io.Writer, cols []string, rows [][]any) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	cells := make([][][]string, len(rows))
	for r, row := range rows {
		cells[r] = make([][]string, len(cols))
		for i := range cols {
			var v any
			if i < len(row) {
				v = row[i]
			}
			lines := strings.Split(strings.TrimRight(cell(v), "\n"), "\n")
			cells[r][i] = lines
			for _, l := range lines {
				widths[i] = max(widths[i], utf8.RuneCountInString(l))
			}
		}
	}
	var b strings.Builder
	rule := func() {
		for _, wd := range widths {
			b.WriteString("+")
			b.WriteString(strings.Repeat("-", wd+2))
		}
		b.WriteString("+\n")
	}
	line := func(parts []string) {
		for i, p := range parts {
			b.WriteString("| ")
			b.WriteString(p)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(p)+1))
		}
		b.WriteString("|\n")
	}
	rule()
	line(cols)
	rule()
	for _, row := range cells {
		height := 1
		for _, c := range row {
			height = max(height, len(c))
		}
		for l := range height {
			parts := make([]string, len(row))
			for i, c := range row {
				if l < len(c) {
					parts[i] = c[l]
				}
			}
			line(parts)
		}
	}
	rule()
	io.WriteString(w, b.String())
}

// pretty renders v as indented JSON text (for table cells).
func pretty(v any) string {
	var out bytes.Buffer
	if err := json.Indent(&out, marshal(v), "", "  "); err != nil {
		return string(marshal(v))
	}
	return out.String()
}
