package web

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"wetalk/backend/client"
)

// tsType is the TypeScript type of a Go field as JSON carries it.
func tsType(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "string"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "number"
	case t.Kind() == reflect.Slice:
		return tsType(t.Elem()) + "[]"
	case t.Kind() == reflect.Struct:
		return t.Name()
	}
	return "?" + t.String()
}

// literalUnion matches a field type that is a union of string literals.
var literalUnion = regexp.MustCompile(`: '[^']*'(\s*\|\s*'[^']*')+$`)

// goFields lists an event's JSON fields as TypeScript would declare them:
// "name: type" or "name?: type" for omitempty.
func goFields(ev client.Event) []string {
	t := reflect.TypeOf(ev)
	out := []string{"type: '" + ev.Kind() + "'"}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		opt := ""
		if strings.Contains(opts, "omitempty") {
			opt = "?"
		}
		out = append(out, name+opt+": "+tsType(f.Type))
	}
	return out
}

// TestEventTypesMatchTheUI checks that frontend/src/lib/types.ts declares
// one interface per client event kind with the same fields, the same
// optional ones and the same types, and that RoomEvent unites them all.
func TestEventTypesMatchTheUI(t *testing.T) {
	src, err := os.ReadFile("../../frontend/src/lib/types.ts")
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string][]string{} // kind -> "field: type" lines
	names := map[string]string{}    // kind -> interface name
	for _, m := range regexp.MustCompile(`(?s)export interface (\w+) \{\n(.*?)\n\}`).FindAllStringSubmatch(string(src), -1) {
		var lines []string
		kind := ""
		for _, l := range strings.Split(m[2], "\n") {
			l = strings.TrimSuffix(strings.TrimSpace(l), ";")
			if l == "" || strings.HasPrefix(l, "/") || strings.HasPrefix(l, "*") {
				continue
			}
			if k, ok := strings.CutPrefix(l, "type: '"); ok {
				kind = strings.TrimSuffix(k, "'")
			} else {
				// A union of string literals ('reconnecting' | 'back') is
				// what Go carries as a string.
				l = literalUnion.ReplaceAllString(l, ": string")
			}
			lines = append(lines, l)
		}
		if kind != "" {
			byKind[kind], names[kind] = lines, m[1]
		}
	}
	union := regexp.MustCompile(`(?s)export type RoomEvent =(.*?);`).FindStringSubmatch(string(src))
	if union == nil {
		t.Fatal("types.ts has no RoomEvent union")
	}
	for _, ev := range client.Kinds() {
		want := goFields(ev)
		got, ok := byKind[ev.Kind()]
		if !ok {
			t.Errorf("types.ts has no interface with type: '%s' (Go %T)", ev.Kind(), ev)
			continue
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("%s differs from Go %T:\n  ts: %s\n  go: %s", names[ev.Kind()], ev, strings.Join(got, "; "), strings.Join(want, "; "))
		}
		if !regexp.MustCompile(`\|\s*` + names[ev.Kind()] + `\b`).MatchString(union[1]) {
			t.Errorf("RoomEvent does not include %s", names[ev.Kind()])
		}
		delete(byKind, ev.Kind())
	}
	for kind, name := range names {
		if _, left := byKind[kind]; left {
			t.Errorf("types.ts declares %s (type '%s'), which Go does not have", name, kind)
		}
	}
}
