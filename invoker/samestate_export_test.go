package invoker

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// SameState reports the first difference between the states of two nodes,
// field by field, or nil. It is how the tests tell that a node Reset holds
// exactly what a new one holds: every field of the node, its partition
// processors, invokers, channels, queues, coordinators, state machines and
// records is compared, so a field added later is compared too.
//
// Only what cannot show is ignored: capacities, a nil slice or map against
// an empty one, where a ring buffer's elements sit, the memory kept for
// reuse (the blocks, spare invokers and spare maps), funcs, and the
// directory of a file store (random); a store is compared by what it holds.
func SameState(a, b *Node) error {
	if err := sameValue("node", reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()); err != nil {
		return err
	}
	for i := range a.invokers {
		if err := sameStore(fmt.Sprintf("invoker%d.store", i), a.invokers[i].queue.store, b.invokers[i].queue.store); err != nil {
			return err
		}
	}
	for i := range a.retired {
		if err := sameStore(fmt.Sprintf("retired%d.store", i), a.retired[i].queue.store, b.retired[i].queue.store); err != nil {
			return err
		}
	}
	return nil
}

// skipped are the fields of memory kept for reuse, and the store (compared
// by sameStore).
var skipped = map[string]bool{
	"Node.isms": true, "Node.records": true, "Node.spareInvokers": true,
	"Invoker.spareCoords": true, "segQueue.store": true,
	"segQueue.written": true, "segQueue.spare": true, // scratch buffers, empty between steps
}

func sameStore(path string, a, b SegmentStore) error {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return fmt.Errorf("%s: %T != %T", path, a, b)
	}
	if _, file := a.(*FileStore); !file && a.String() != b.String() {
		return fmt.Errorf("%s: %s != %s", path, a, b)
	}
	sa, erra := a.Segments()
	sb, errb := b.Segments()
	if !slices.Equal(sa, sb) || (erra == nil) != (errb == nil) {
		return fmt.Errorf("%s: segments %v (%v) != %v (%v)", path, sa, erra, sb, errb)
	}
	return nil
}

var nodeType = reflect.TypeFor[Node]()

func sameValue(path string, a, b reflect.Value) error {
	diff := func() error { return fmt.Errorf("%s: %s != %s", path, show(a), show(b)) }
	switch a.Kind() {
	case reflect.Func:
		return nil
	case reflect.Pointer:
		if a.Type().Elem() == nodeType && path != "node" {
			return nil // the back pointer of a partition processor or invoker
		}
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return diff()
			}
			return nil
		}
		return sameValue(path, a.Elem(), b.Elem())
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return diff()
			}
			return nil
		}
		if a.Elem().Type() != b.Elem().Type() {
			return diff()
		}
		return sameValue(path, a.Elem(), b.Elem())
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Errorf("%s: length %d != %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if err := sameValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Errorf("%s: %d entries != %d", path, a.Len(), b.Len())
		}
		for it := a.MapRange(); it.Next(); {
			k := it.Key()
			vb := b.MapIndex(k)
			if !vb.IsValid() {
				return fmt.Errorf("%s: key %s missing in the second", path, show(k))
			}
			if err := sameValue(fmt.Sprintf("%s[%s]", path, show(k)), it.Value(), vb); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
		if strings.HasPrefix(a.Type().Name(), "fifo[") {
			return sameFIFO(path, a, b)
		}
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if skipped[a.Type().Name()+"."+f.Name] {
				continue
			}
			if err := sameValue(path+"."+f.Name, a.Field(i), b.Field(i)); err != nil {
				return err
			}
		}
		return nil
	default:
		if !a.Equal(b) {
			return diff()
		}
		return nil
	}
}

// sameFIFO compares two ring buffers by their elements, oldest first.
func sameFIFO(path string, a, b reflect.Value) error {
	size := a.FieldByName("size").Int()
	if bs := b.FieldByName("size").Int(); size != bs {
		return fmt.Errorf("%s: %d elements != %d", path, size, bs)
	}
	at := func(q reflect.Value, i int) reflect.Value {
		buf := q.FieldByName("buf")
		return buf.Index((int(q.FieldByName("head").Int()) + i) % buf.Len())
	}
	for i := range int(size) {
		if err := sameValue(fmt.Sprintf("%s(%d)", path, i), at(a, i), at(b, i)); err != nil {
			return err
		}
	}
	return nil
}

func show(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprint(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprint(v.Uint())
	case reflect.Bool:
		return fmt.Sprint(v.Bool())
	case reflect.Float32, reflect.Float64:
		return fmt.Sprint(v.Float())
	}
	return v.Type().String()
}
