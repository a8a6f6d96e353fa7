package invoker

import "slices"

// fifo is a growable ring buffer: the model's channels and queue segments.
// It never shrinks, so a steady-state run does not allocate.
type fifo[T any] struct {
	buf        []T
	head, size int
}

func (q *fifo[T]) len() int { return q.size }

func (q *fifo[T]) push(v T) {
	if q.size == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.size)%len(q.buf)] = v
	q.size++
}

func (q *fifo[T]) pop() T {
	var zero T
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return v
}

func (q *fifo[T]) at(i int) T { return q.buf[(q.head+i)%len(q.buf)] }

// ptr points at element i, until the next push (which may move the buffer).
func (q *fifo[T]) ptr(i int) *T { return &q.buf[(q.head+i)%len(q.buf)] }

// filter keeps the elements for which keep is true, in order, and returns
// how many it removed.
func (q *fifo[T]) filter(keep func(T) bool) int {
	var zero T
	kept := 0
	for i := 0; i < q.size; i++ {
		v := q.at(i)
		if keep(v) {
			q.buf[(q.head+kept)%len(q.buf)] = v
			kept++
		}
	}
	for i := kept; i < q.size; i++ {
		q.buf[(q.head+i)%len(q.buf)] = zero
	}
	removed := q.size - kept
	q.size = kept
	return removed
}

func (q *fifo[T]) clear() {
	var zero T
	for i := 0; i < q.size; i++ {
		q.buf[(q.head+i)%len(q.buf)] = zero
	}
	q.head, q.size = 0, 0
}

// slice copies the elements out, oldest first.
func (q *fifo[T]) slice() []T { return q.appendTo(make([]T, 0, q.size)) }

// appendTo appends the elements to dst, oldest first.
func (q *fifo[T]) appendTo(dst []T) []T {
	dst = slices.Grow(dst, q.size)
	for i := 0; i < q.size; i++ {
		dst = append(dst, q.at(i))
	}
	return dst
}

// fifoOf is a full fifo that takes buf as its buffer, without a copy.
func fifoOf[T any](buf []T) fifo[T] { return fifo[T]{buf: buf, size: len(buf)} }

func (q *fifo[T]) grow() {
	n := 2 * len(q.buf)
	if n == 0 {
		n = 8
	}
	buf := make([]T, n)
	for i := 0; i < q.size; i++ {
		buf[i] = q.at(i)
	}
	q.buf, q.head = buf, 0
}
