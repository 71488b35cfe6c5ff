package web

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"wetalk/backend/session"
)

// boundMethods lists the exported methods of the type the window binds.
func boundMethods(t *testing.T) []reflect.Method {
	t.Helper()
	typ := reflect.TypeFor[*session.Session]()
	var list []reflect.Method
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		if !bindable(m.Type) {
			t.Errorf("%s returns %d values: the UI cannot call it (want nothing, T, error or (T, error))", m.Name, m.Type.NumOut())
		}
		list = append(list, m)
	}
	if len(list) < 20 {
		t.Fatalf("only %d bound methods found", len(list))
	}
	return list
}

// TestEveryMethodThroughTheBridge calls each method of the session, found
// by reflection, through the bridge with zero-valued arguments: each one
// is answered, and none as a method the bridge does not know or cannot
// give arguments to. A method added to session.Session is covered without
// touching this test.
func TestEveryMethodThroughTheBridge(t *testing.T) {
	ts := newBridge(t)
	tab := openTab(t, ts)
	for _, m := range boundMethods(t) {
		args := []any{}
		for i := 1; i < m.Type.NumIn(); i++ {
			args = append(args, reflect.Zero(m.Type.In(i)).Interface())
		}
		f := tab.call(m.Name, args...)
		if f.Error != nil && (f.Error.Code == "bad_arguments" || f.Error.Code == "") {
			t.Errorf("%s: %+v", m.Name, f.Error)
		}
		if f.Error == nil && m.Type.NumOut() > 0 && m.Type.Out(0) != errorType {
			v := reflect.New(m.Type.Out(0))
			if err := json.Unmarshal(f.Result, v.Interface()); err != nil {
				t.Errorf("%s: result %s does not decode: %v", m.Name, f.Result, err)
			}
		}
	}
	if f := tab.call("Send"); f.Error == nil || f.Error.Code != "bad_arguments" {
		t.Errorf("Send without its argument: %+v", f.Error)
	}
	if f := tab.call("Send", 42); f.Error == nil || f.Error.Code != "bad_arguments" {
		t.Errorf("Send with a number: %+v", f.Error)
	}
	if f := tab.call("Emit", "x", nil); f.Error == nil || f.Error.Code != "bad_arguments" {
		t.Errorf("a method that is not bound: %+v", f.Error)
	}
}

// TestTheDoorListsEveryMethod checks that frontend/src/lib/backend.ts, the
// UI's one door to Go, calls every bound method, and no method that is not
// bound (window-only methods and the bridge's own ShareStream excepted).
func TestTheDoorListsEveryMethod(t *testing.T) {
	src, err := os.ReadFile("../../frontend/src/lib/backend.ts")
	if err != nil {
		t.Fatal(err)
	}
	called := map[string]bool{}
	for _, m := range regexp.MustCompile(`\bcall<[^>]*>\('(\w+)'`).FindAllSubmatch(src, -1) {
		called[string(m[1])] = true
	}
	for _, m := range regexp.MustCompile(`\bwindowCall<[^>]*>\('(\w+)'`).FindAllSubmatch(src, -1) {
		called[string(m[1])] = false // the window's App, not the session
	}
	if !called[methodShareStream] {
		t.Errorf("backend.ts does not call the bridge's own %s", methodShareStream)
	}
	delete(called, methodShareStream) // the bridge's, not the session's
	var bound []string
	for _, m := range boundMethods(t) {
		bound = append(bound, m.Name)
		if _, ok := called[m.Name]; !ok {
			t.Errorf("backend.ts does not call %s", m.Name)
		}
	}
	for name, session := range called {
		if session && !slices.Contains(bound, name) {
			t.Errorf("backend.ts calls %s, which the session does not have", name)
		}
	}
}

// TestAppKeepsOnlyWindowThings: the window's App (app.go), bound beside the
// session, holds no method that only forwards to the session: each of its
// bound methods uses the Wails runtime (a native dialog) or the native
// desktop notifier (App.notices) for something only a window can do.
func TestAppKeepsOnlyWindowThings(t *testing.T) {
	f, err := parser.ParseFile(gotoken.NewFileSet(), "../../app.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	bound := 0
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || !fn.Name.IsExported() || !isApp(fn.Recv.List[0].Type) {
			continue
		}
		bound++
		usesRuntime, notifies := false, false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "runtime" {
					usesRuntime = true
				}
				if sel.Sel.Name == "notices" {
					notifies = true
				}
			}
			return true
		})
		if !(usesRuntime || notifies) || len(fn.Body.List) < 2 {
			t.Errorf("App.%s is bound but does nothing only a window can do: put it on session.Session", fn.Name.Name)
		}
	}
	if bound == 0 {
		t.Fatal("no bound App methods found in app.go")
	}
}

// isApp reports whether a receiver type is App or *App.
func isApp(e ast.Expr) bool {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "App"
}
