package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// errBadArgs: a request names no method, or its arguments do not fit it.
var errBadArgs = errors.New("bad arguments")

// errorType is the type of the error interface.
var errorType = reflect.TypeFor[error]()

// methods is the table the bridge dispatches over: the exported methods of
// the type the desktop window binds to Wails, found by reflection, so that
// the window and the browser call the same methods by the same names.
type methods map[string]reflect.Method

// methodsOf lists the exported methods of t. Like Wails, it takes methods
// that return nothing, a value, an error, or a value and an error.
func methodsOf(t reflect.Type) methods {
	m := make(methods)
	for i := range t.NumMethod() {
		meth := t.Method(i)
		if bindable(meth.Type) {
			m[meth.Name] = meth
		}
	}
	return m
}

// bindable reports whether a method's results fit the UI's calls.
func bindable(t reflect.Type) bool {
	switch t.NumOut() {
	case 0, 1:
		return true
	case 2:
		return t.Out(1) == errorType && t.Out(0) != errorType
	}
	return false
}

// call decodes args into the parameters of the method called name and
// calls it on recv. It returns the method's value (nil when it has none)
// and its error.
func (m methods) call(recv reflect.Value, name string, args []json.RawMessage) (any, error) {
	meth, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("%w: no method %q", errBadArgs, name)
	}
	t := meth.Type // the receiver is parameter 0
	if len(args) != t.NumIn()-1 {
		return nil, fmt.Errorf("%w: %s takes %d, got %d", errBadArgs, name, t.NumIn()-1, len(args))
	}
	in := []reflect.Value{recv}
	for i, a := range args {
		v := reflect.New(t.In(i + 1))
		if err := json.Unmarshal(a, v.Interface()); err != nil {
			return nil, fmt.Errorf("%w: %s argument %d: %v", errBadArgs, name, i+1, err)
		}
		in = append(in, v.Elem())
	}
	out := meth.Func.Call(in)
	var result any
	var err error
	for _, v := range out {
		if v.Type() == errorType {
			err, _ = v.Interface().(error)
		} else {
			result = v.Interface()
		}
	}
	return result, err
}
