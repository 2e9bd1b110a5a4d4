package instackenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// DocumentError reports an instackenv document that could not be read as a
// whole: unreadable, not JSON or YAML, or not shaped like an inventory.
// Problems with single nodes are *Problem values instead. It matches
// errors.Is(err, tripleo.ErrInvalidInput) and errors.As into a
// *tripleo.ValidationError (Field "instackenv"). Its text never quotes the
// document's values: decoder messages are stripped of the input they cite.
type DocumentError struct {
	// Path is the file's path, when the inventory was read by Load.
	Path string
	// Line and Column locate the problem (from 1), when known; 0 otherwise.
	Line, Column int
	// Reason says what is wrong.
	Reason string
	// Err is the underlying I/O error, if any (matched by errors.Is, e.g. fs.ErrNotExist).
	Err error
}

// Error renders the error as "instackenv [<path>][: line L, column C]: <reason>[: <io error>]".
func (e *DocumentError) Error() string {
	var b strings.Builder
	b.WriteString("instackenv")
	if e.Path != "" {
		b.WriteString(" ")
		b.WriteString(e.Path)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns a *tripleo.ValidationError for the document (so errors.Is
// matches tripleo.ErrInvalidInput and tripleo.Problems lists it) and the
// underlying I/O error, if any.
func (e *DocumentError) Unwrap() []error {
	v := &tripleo.ValidationError{Field: "instackenv", Reason: e.Reason}
	if e.Err != nil {
		return []error{v, e.Err}
	}
	return []error{v}
}

// Read reads an instackenv document, JSON or YAML (detected from the
// content), holding either the {"nodes": [...]} object (other top-level keys
// are ignored) or a bare list of nodes.
//
// It is lenient where real files vary: numeric fields (cpu, memory, disk,
// pm_port) may be numbers or numeric strings ("8192"), "mac" a list or a
// single string, string fields may be given as numbers or booleans (their
// literal text is kept, so a YAML password 0123 stays "0123"), null means
// absent, and "_comment" is dropped. It checks only that values have a usable
// type; the rules of tripleo-common's validate_nodes are Inventory.Validate's.
//
// Every error matches errors.Is(err, tripleo.ErrInvalidInput): an
// *DocumentError for the document, or one *Problem per bad node field,
// all joined with errors.Join (see Problems). No error ever contains a
// password.
func Read(r io.Reader) (*Inventory, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &DocumentError{Reason: "cannot read the inventory", Err: err}
	}
	return parse(data)
}

// Load reads the instackenv file at path with Read's rules.
// Errors name the file; an unreadable file gives an *DocumentError that also
// matches the os error (e.g. errors.Is(err, fs.ErrNotExist)).
func Load(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &DocumentError{Path: path, Reason: "cannot read the file", Err: errors.Unwrap(err)}
	}
	inv, err := parse(data)
	if err != nil {
		if ie, ok := err.(*DocumentError); ok {
			ie.Path = path
			return nil, ie
		}
		return nil, fmt.Errorf("instackenv %s: %w", path, err)
	}
	return inv, nil
}

// parse decodes data and builds the inventory.
func parse(data []byte) (inv *Inventory, err error) {
	defer func() {
		if r := recover(); r != nil {
			inv, err = nil, &DocumentError{Reason: "malformed document"}
		}
	}()
	doc, err := decodeDocument(data)
	if err != nil {
		return nil, err
	}
	return inventoryFrom(doc)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeDocument parses JSON (a document starting with '{' or '[') or YAML
// into plain data: map[string]any, []any, string, json.Number, bool,
// yamlBool and nil. A document that starts like JSON but is not valid JSON is
// tried as YAML (flow style) before its JSON error is reported.
func decodeDocument(data []byte) (any, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &DocumentError{Reason: "the document is empty"}
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		v, jerr := decodeJSON(data)
		if jerr == nil {
			return v, nil
		}
		if v, yerr := decodeYAML(data); yerr == nil {
			return v, nil
		}
		return nil, jerr
	}
	return decodeYAML(data)
}

// decodeJSON decodes one JSON value (numbers as json.Number) and nothing after it.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, dec.InputOffset())
		return nil, &DocumentError{Line: line, Column: col, Reason: "invalid JSON: unexpected data after the top-level value"}
	}
	return v, nil
}

// jsonError turns a decoder error into an *DocumentError located by line
// and column, without the input it may quote.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return &DocumentError{Line: line, Column: col, Reason: "invalid JSON: " + sanitizeMessage(se.Error())}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &DocumentError{Reason: "invalid JSON: unexpected end of input"}
	}
	return &DocumentError{Reason: "invalid JSON: " + sanitizeMessage(err.Error())}
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError turns a yaml.v3 error into an *DocumentError, keeping the line
// number and dropping any input it quotes.
func yamlError(err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &DocumentError{Line: line, Reason: "invalid YAML: " + sanitizeMessage(msg)}
}

// sanitizeMessage masks what a decoder message quotes from the input: any
// quoted ('...', "...", `...`) text longer than 3 characters (the syntax
// tokens decoders cite, like ',' or '}', stay readable), and everything after
// an unterminated quote. The result is cut to 200 bytes.
func sanitizeMessage(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		c := msg[i]
		if c != '\'' && c != '"' && c != '`' {
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(msg[i+1:], c)
		if end < 0 {
			b.WriteString(string(c) + "…")
			break
		}
		inner := msg[i+1 : i+1+end]
		b.WriteByte(c)
		if len(inner) <= 3 {
			b.WriteString(inner)
		} else {
			b.WriteString("…")
		}
		b.WriteByte(c)
		i += end + 2
	}
	s := b.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
