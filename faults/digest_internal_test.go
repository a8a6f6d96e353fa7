package faults

import (
	"bytes"
	"reflect"
	"testing"

	"lab/invoker"
)

// Every field of an event reaches the digest: an event that differs from
// the zero event in any one field encodes differently. A field added to
// invoker.Event and forgotten here fails this test.
func TestDigestCoversEveryField(t *testing.T) {
	zero := appendEventBinary(nil, &invoker.Event{})
	typ := reflect.TypeFor[invoker.Event]()
	for i := range typ.NumField() {
		var e invoker.Event
		f := reflect.ValueOf(&e).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Int, reflect.Int64:
			f.SetInt(-1) // the high bytes too
		case reflect.Uint8, reflect.Uint64:
			f.SetUint(^uint64(0) >> (64 - f.Type().Bits())) // every bit of it
		default:
			t.Fatalf("field %s has kind %s: teach appendEventBinary and this test about it", typ.Field(i).Name, f.Kind())
		}
		if bytes.Equal(appendEventBinary(nil, &e), zero) {
			t.Errorf("field %s does not reach the digest", typ.Field(i).Name)
		}
	}
}

// Two strings side by side cannot trade bytes: each is written after its
// length.
func TestDigestSeparatesTheStrings(t *testing.T) {
	a := appendEventBinary(nil, &invoker.Event{Inv: "ab", Reason: ""})
	b := appendEventBinary(nil, &invoker.Event{Inv: "a", Reason: "b"})
	if bytes.Equal(a, b) {
		t.Error("inv=ab reason='' encodes as inv=a reason=b")
	}
}
