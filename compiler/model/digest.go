package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"reflect"
	"slices"
)

// Digest is the sha256 of everything v holds, for the keys of generated
// files (what a file is made of): every exported field of every struct,
// whatever its JSON tag says, with map keys in order, nil told apart from
// empty, and each value's type and field names in the hash, so that no two
// different values share a digest by their layout. It leaves out where
// things were written (Pos, Positions: a moved line changes no file) and
// the fields tagged `key:"-"`: decrypted secret values, which must never
// reach a file even hashed (a digest of a short password is a password
// found); a key holds the identity of their ciphertext instead.
func Digest(v any) string {
	h := digester{h: sha256.New()}
	h.value(reflect.ValueOf(v))
	return "sha256:" + hex.EncodeToString(h.h.Sum(nil))
}

type digester struct {
	h   hash.Hash
	buf [8]byte
}

var (
	posType       = reflect.TypeFor[Pos]()
	positionsType = reflect.TypeFor[Positions]()
)

func (d *digester) str(s string) {
	d.uint(uint64(len(s)))
	d.h.Write([]byte(s))
}

func (d *digester) uint(u uint64) {
	binary.LittleEndian.PutUint64(d.buf[:], u)
	d.h.Write(d.buf[:])
}

func (d *digester) value(v reflect.Value) {
	if !v.IsValid() {
		d.str("invalid")
		return
	}
	t := v.Type()
	if t == posType || t == positionsType {
		return
	}
	d.str(t.String())
	switch v.Kind() {
	case reflect.Bool:
		d.uint(boolBit(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		d.uint(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		d.uint(v.Uint())
	case reflect.Float32, reflect.Float64:
		d.uint(math.Float64bits(v.Float()))
	case reflect.String:
		d.str(v.String())
	case reflect.Pointer, reflect.Interface:
		d.uint(boolBit(v.IsNil()))
		if !v.IsNil() {
			d.value(v.Elem())
		}
	case reflect.Slice:
		d.uint(boolBit(v.IsNil()))
		if t.Elem().Kind() == reflect.Uint8 {
			d.str(string(v.Bytes()))
			return
		}
		fallthrough
	case reflect.Array:
		d.uint(uint64(v.Len()))
		for i := range v.Len() {
			d.value(v.Index(i))
		}
	case reflect.Map:
		d.mapValue(v)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("key") == "-" {
				continue
			}
			d.str(f.Name)
			d.value(v.Field(i))
		}
	default:
		// A func or channel in the model would be a bug: it cannot say
		// what a file is made of.
		panic(fmt.Sprintf("model.Digest: cannot digest a %s", t))
	}
}

func (d *digester) mapValue(v reflect.Value) {
	d.uint(boolBit(v.IsNil()))
	d.uint(uint64(v.Len()))
	keys := v.MapKeys()
	if v.Type().Key().Kind() != reflect.String {
		panic(fmt.Sprintf("model.Digest: cannot order the keys of a %s", v.Type()))
	}
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	for _, k := range keys {
		d.str(k.String())
		d.value(v.MapIndex(k))
	}
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
