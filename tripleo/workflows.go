package tripleo

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/internal/httpx"
)

// Workflow is a Mistral workflow definition.
type Workflow struct {
	// ID is the workflow definition's id.
	ID string `json:"id"`
	// Name is the full workflow name.
	Name string `json:"name"`
	// Namespace is the workflow's namespace (usually empty).
	Namespace string `json:"namespace"`
	// Definition is the workflow's YAML definition (its workbook's part).
	Definition string `json:"definition"`
	// Scope is "private" or "public".
	Scope string `json:"scope"`
	// Tags are the workflow's tags.
	Tags []string `json:"tags"`
	// ProjectID is the project owning the workflow.
	ProjectID string `json:"project_id"`
	// CreatedAt is when the workflow was created, as Mistral writes it.
	CreatedAt string `json:"created_at"`
	// UpdatedAt is when the workflow was last updated, as Mistral writes it.
	UpdatedAt string `json:"updated_at"`
	// InputText is Mistral's "input" string: Python renderings of the defaults
	// joined with ", " — for display only; Inputs holds the parsed inputs.
	InputText string `json:"input"`
	// Inputs are parsed from Definition by GetWorkflow (nil from ListWorkflows).
	Inputs []Input `json:"-"`
}

// Input is one declared workflow input.
type Input struct {
	// Name is the input's name.
	Name string
	// Required is true for an input without a default.
	Required bool
	// Default is the YAML default (nil for a null default or a required input).
	Default any
}

// mistralPage is a page of a Mistral list: {"<key>": [...], "next": "<url>"}.
type mistralPage struct {
	pagination.LinkedPageBase
	key string
	// carry holds the first request's query: Mistral's "next" links drop some
	// parameters (Mistral 15 drops include_output), which NextPageURL puts back.
	carry url.Values
	// read holds the URLs of the pages read so far by the pager.
	read map[string]bool
}

// NextPageURL is Mistral's "next" link with the first request's query
// parameters it lacks added back. A link to a page already read is an error
// (following it would read the same pages forever), and so is one that is
// not a URL; one to another origin is a *RedirectError (the token is never
// sent there).
func (p mistralPage) NextPageURL() (string, error) {
	next, err := p.LinkedPageBase.NextPageURL()
	if err != nil || next == "" {
		return next, err
	}
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("%w: the next link %q is not a URL", ErrMalformedResponse, next)
	}
	if from, to := httpx.Origin(&p.URL), httpx.Origin(u); from != to {
		return "", &RedirectError{From: from, To: to} // the token stays with Mistral
	}
	if len(p.carry) > 0 {
		q := u.Query()
		for k, vs := range p.carry {
			if _, ok := q[k]; !ok {
				q[k] = vs
			}
		}
		u.RawQuery = q.Encode()
	}
	if p.read[u.String()] {
		return "", fmt.Errorf("the next link %q leads back to a page already read", next)
	}
	if len(p.carry) == 0 {
		return next, nil
	}
	return u.String(), nil
}

func (p mistralPage) IsEmpty() (bool, error) {
	var items []any
	if err := p.ExtractIntoSlicePtr(&items, p.key); err != nil {
		return false, err
	}
	return len(items) == 0, nil
}

// listMistral reads every page of the Mistral list at first (the items under key).
// Each page is retried on its own (pages are idempotent reads).
func listMistral[T any](ctx context.Context, c *Client, op, first, key string) ([]T, error) {
	var all []T
	var carry url.Values
	if u, err := url.Parse(first); err == nil {
		carry = u.Query()
	}
	read := map[string]bool{}
	next := first
	for next != "" {
		var page mistralPage
		err := c.read(ctx, op, func() error {
			resp, err := pagination.Request(ctx, c.Workflow, nil, next)
			if err != nil {
				return WrapHTTP(op, err)
			}
			r, err := pagination.PageResultFrom(resp)
			if err != nil {
				return WrapHTTP(op, err)
			}
			read[r.URL.String()] = true
			page = mistralPage{LinkedPageBase: pagination.LinkedPageBase{PageResult: r, LinkPath: []string{"next"}}, key: key, carry: carry, read: read}
			return nil
		})
		if err != nil {
			return nil, err
		}
		var items []T
		if err := page.ExtractIntoSlicePtr(&items, key); err != nil {
			return nil, WrapHTTP(op, err)
		}
		if len(items) == 0 {
			break
		}
		all = append(all, items...)
		if next, err = page.NextPageURL(); err != nil {
			return nil, WrapHTTP(op, err)
		}
	}
	return all, nil
}

// ListWorkflows lists the workflows whose name starts with prefix ("" means
// "tripleo."; use "*" for every workflow), sorted by name.
func (c *Client) ListWorkflows(ctx context.Context, prefix string) ([]Workflow, error) {
	if prefix == "" {
		prefix = "tripleo."
	}
	wfs, err := listMistral[Workflow](ctx, c, "mistral: list workflows", c.Workflow.ServiceURL("workflows"), "workflows")
	if err != nil {
		return nil, err
	}
	out := wfs[:0]
	for _, w := range wfs {
		if prefix == "*" || strings.HasPrefix(w.Name, prefix) {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// GetWorkflow reads one workflow and parses its inputs from the YAML definition.
func (c *Client) GetWorkflow(ctx context.Context, name string) (*Workflow, error) {
	if name == "" {
		return nil, Invalid("workflow", "a name is required")
	}
	var w Workflow
	op := "mistral: get workflow " + name
	err := c.read(ctx, op, func() error {
		w = Workflow{}
		resp, err := c.Workflow.Get(ctx, c.Workflow.ServiceURL("workflows", url.PathEscape(name)), &w, &gophercloud.RequestOpts{OkCodes: []int{200}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		return WrapHTTP(op, err)
	})
	if err != nil {
		return nil, err
	}
	inputs, err := ParseInputs(w.Definition, w.Name)
	if err != nil {
		return nil, fmt.Errorf("mistral: workflow %s: %w", name, err)
	}
	w.Inputs = inputs
	return &w, nil
}

// ParseInputs reads the declared inputs of workflow name from a Mistral YAML
// definition: a standalone workflow document, a workbook, or the workflow's own
// spec. Entries are "name" (required) or {"name": default}.
func ParseInputs(definition, name string) ([]Input, error) {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(definition), &doc); err != nil {
		return nil, fmt.Errorf("definition is not YAML: %w", err)
	}
	spec := findSpec(doc, name)
	if spec == nil {
		return nil, fmt.Errorf("definition has no workflow %q", name)
	}
	list, _ := spec["input"].([]any)
	inputs := make([]Input, 0, len(list))
	for _, it := range list {
		switch t := it.(type) {
		case string:
			inputs = append(inputs, Input{Name: t, Required: true})
		case map[string]any:
			// One pair as a rule; several in one entry come sorted by name
			// (a map has no order), so the same definition reads the same.
			names := make([]string, 0, len(t))
			for k := range t {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				inputs = append(inputs, Input{Name: k, Default: t[k]})
			}
		default:
			return nil, fmt.Errorf("input entry %v is neither a name nor a name: default pair", it)
		}
	}
	return inputs, nil
}

func findSpec(doc map[string]any, name string) map[string]any {
	if _, ok := doc["tasks"]; ok {
		return doc
	}
	if _, ok := doc["input"]; ok {
		return doc
	}
	if wfs, ok := doc["workflows"].(map[string]any); ok { // a workbook
		return findSpec(wfs, name)
	}
	short := name[strings.LastIndex(name, ".")+1:]
	for _, k := range []string{name, short} {
		if m, ok := doc[k].(map[string]any); ok {
			return m
		}
	}
	var only map[string]any
	n := 0
	for k, v := range doc {
		if m, ok := v.(map[string]any); ok && k != "version" {
			only, n = m, n+1
		}
	}
	if n == 1 {
		return only
	}
	return nil
}

// CheckInput compares input with the declared inputs: every required input must
// be given and no unknown key may appear (Mistral answers 400 otherwise). It
// returns all problems joined, as *ValidationError.
func CheckInput(declared []Input, input map[string]any) error {
	known := make(map[string]bool, len(declared))
	var errs []error
	for _, in := range declared {
		known[in.Name] = true
		if _, ok := input[in.Name]; in.Required && !ok {
			errs = append(errs, Invalid(in.Name, "required input is missing"))
		}
	}
	keys := make([]string, 0, len(input))
	for k := range input {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			errs = append(errs, Invalid(k, "the workflow has no such input"))
		}
	}
	return joinErrs(errs)
}
