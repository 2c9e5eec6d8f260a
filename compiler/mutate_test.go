package compiler

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/hogen-dev/hogen/compiler/model"
)

// A mutation changes one value somewhere in a description: a field, an
// element of a list or map, a value inside a JSON patch, or a list's or
// map's length. The walker finds every place a value can be, in the
// description given (fields nil there are made, with one mutation each).

// step is one move from a value to a value inside it.
type step struct {
	field int           // a struct field's index, or -1
	index int           // a list element's index, or -1
	key   reflect.Value // a map key, or invalid
}

// mutation is a place (steps from the description) and what to do there.
type mutation struct {
	steps []step
	// sig is the place with list indices and map keys left out: the field.
	sig, path string
	change    func(v reflect.Value) // v is settable
}

var (
	rawType   = reflect.TypeFor[json.RawMessage]()
	positions = reflect.TypeFor[model.Positions]()
	posT      = reflect.TypeFor[model.Pos]()
)

// mutations lists the mutations of every value reachable in v.
func mutations(v reflect.Value) []mutation {
	var out []mutation
	var walk func(v reflect.Value, steps []step, sig, path string)
	add := func(steps []step, sig, path string, change func(reflect.Value)) {
		out = append(out, mutation{steps: append([]step(nil), steps...), sig: sig, path: path, change: change})
	}
	walk = func(v reflect.Value, steps []step, sig, path string) {
		t := v.Type()
		if t == positions || t == posT {
			return
		}
		if t == rawType || (t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8) {
			for _, m := range jsonMutations(v.Bytes()) {
				add(steps, sig+m.sig, path+m.sig, m.change)
			}
			return
		}
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				f := t.Field(i)
				if f.IsExported() {
					walk(v.Field(i), append(steps, step{field: i, index: -1}), sig+"."+f.Name, path+"."+f.Name)
				}
			}
		case reflect.Pointer:
			if v.IsNil() {
				add(steps, sig+"=new", path, func(v reflect.Value) { v.Set(reflect.New(v.Type().Elem())) })
				return
			}
			add(steps, sig+"=nil", path, func(v reflect.Value) { v.Set(reflect.Zero(v.Type())) })
			walk(v.Elem(), append(steps, step{field: -2, index: -1}), sig, path)
		case reflect.Slice:
			add(steps, sig+"+1", path, func(v reflect.Value) { v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem()))) })
			if v.Len() > 0 {
				add(steps, sig+"-1", path, func(v reflect.Value) { v.Set(v.Slice(0, v.Len()-1)) })
				add(steps, sig+"+dup", path, func(v reflect.Value) { v.Set(reflect.Append(v, deepCopy(v.Index(v.Len()-1)))) })
			}
			for i := range v.Len() {
				walk(v.Index(i), append(steps, step{field: -1, index: i}), sig+"[]", fmt.Sprintf("%s[%d]", path, i))
			}
		case reflect.Map:
			add(steps, sig+"+key", path, func(v reflect.Value) {
				if v.IsNil() {
					v.Set(reflect.MakeMap(v.Type()))
				}
				v.SetMapIndex(reflect.ValueOf("hogen-mutated").Convert(v.Type().Key()), reflect.Zero(v.Type().Elem()))
			})
			for _, k := range v.MapKeys() {
				add(steps, sig+"-key", path+"."+k.String(), func(v reflect.Value) { v.SetMapIndex(k, reflect.Value{}) })
				walk(v.MapIndex(k), append(steps, step{field: -1, index: -1, key: k}), sig+"{}", path+"."+k.String())
			}
		default:
			add(steps, sig, path, mutateScalar)
		}
	}
	walk(v, nil, "", "")
	return out
}

// mutateScalar changes a string, number or bool.
func mutateScalar(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Interface:
		v.Set(reflect.ValueOf("hogen-mutated"))
	default:
		panic("cannot mutate a " + v.Type().String())
	}
}

// apply makes a copy of d with m applied.
func (m mutation) apply(d *model.Description) *model.Description {
	c := deepCopy(reflect.ValueOf(d).Elem())
	out := reflect.New(c.Type())
	out.Elem().Set(c)
	at(out.Elem(), m.steps, m.change)
	return out.Interface().(*model.Description)
}

// at walks steps from v (settable) and changes what it reaches; a map's
// value is copied out, changed and put back.
func at(v reflect.Value, steps []step, change func(reflect.Value)) {
	if len(steps) == 0 {
		change(v)
		return
	}
	s := steps[0]
	switch {
	case s.field == -2:
		at(v.Elem(), steps[1:], change)
	case s.field >= 0:
		at(v.Field(s.field), steps[1:], change)
	case s.index >= 0:
		at(v.Index(s.index), steps[1:], change)
	default:
		e := reflect.New(v.Type().Elem()).Elem()
		e.Set(v.MapIndex(s.key))
		at(e, steps[1:], change)
		v.SetMapIndex(s.key, e)
	}
}

// deepCopy copies v and everything it points to.
func deepCopy(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(deepCopy(v.Elem()))
			out.Set(p)
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(deepCopy(v.Index(i)))
			}
			out.Set(s)
		}
	case reflect.Map:
		if !v.IsNil() {
			m := reflect.MakeMapWithSize(v.Type(), v.Len())
			for _, k := range v.MapKeys() {
				m.SetMapIndex(k, deepCopy(v.MapIndex(k)))
			}
			out.Set(m)
		}
	case reflect.Interface:
		if !v.IsNil() {
			out.Set(deepCopy(v.Elem()))
		}
	default:
		out.Set(v)
	}
	return out
}

// jsonMutation changes one value inside JSON bytes (a patch, a Helm
// values document); bytes that are no JSON get one byte more.
type jsonMutation struct {
	sig    string
	change func(v reflect.Value)
}

func jsonMutations(b []byte) []jsonMutation {
	var doc any
	if len(b) == 0 || json.Unmarshal(b, &doc) != nil {
		return []jsonMutation{{"=bytes", func(v reflect.Value) { v.SetBytes(append(append([]byte(nil), v.Bytes()...), 'x')) }}}
	}
	var out []jsonMutation
	var walk func(x any, ptr []any, sig string)
	walk = func(x any, ptr []any, sig string) {
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, append(ptr[:len(ptr):len(ptr)], k), sig+"."+k)
			}
			return
		case []any:
			for i, e := range x {
				walk(e, append(ptr[:len(ptr):len(ptr)], i), sig+"[]")
			}
			return
		}
		p := ptr
		out = append(out, jsonMutation{"~" + sig, func(v reflect.Value) {
			var d any
			json.Unmarshal(v.Bytes(), &d)
			d = setJSON(d, p)
			nb, _ := json.Marshal(d)
			v.SetBytes(nb)
		}})
	}
	walk(doc, nil, "")
	return out
}

// setJSON changes the scalar at ptr in x.
func setJSON(x any, ptr []any) any {
	if len(ptr) == 0 {
		switch x := x.(type) {
		case string:
			return x + "x"
		case float64:
			return x + 1
		case bool:
			return !x
		}
		return "hogen-mutated"
	}
	switch k := ptr[0].(type) {
	case string:
		m := x.(map[string]any)
		m[k] = setJSON(m[k], ptr[1:])
	case int:
		l := x.([]any)
		l[k] = setJSON(l[k], ptr[1:])
	}
	return x
}

// unkeyed tells whether a mutation's place lies in a field tagged
// `key:"-"` (a decrypted secret input), which keys hold by its
// ciphertext's identity instead.
func unkeyed(m mutation) bool {
	t := reflect.TypeFor[model.Description]()
	for _, s := range m.steps {
		switch {
		case s.field == -2:
			t = t.Elem()
		case s.field >= 0:
			f := t.Field(s.field)
			if f.Tag.Get("key") == "-" {
				return true
			}
			t = f.Type
		default:
			t = t.Elem()
		}
	}
	return false
}
