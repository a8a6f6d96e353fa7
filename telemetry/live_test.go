package telemetry_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lab/faults"
	"lab/invoker"
	"lab/live"
	"lab/telemetry"
)

// Scraping while a paced run goes on reads the published view (run with
// -race: the scrape never touches the simulator) and sees the run move.
func TestMetricsScrapedDuringAPacedRun(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := telemetry.NewMetrics(reg, telemetry.MetricsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := faults.LoadPlan("shutdown-race")
	o := faults.Options{Seed: 1, Node: invoker.DefaultConfig(), Plan: p, Workload: faults.DefaultWorkload(),
		Observers: []faults.Observer{m}}
	r, err := live.Start(context.Background(), o, live.Options{Speed: 2})
	if err != nil {
		t.Fatal(err)
	}
	m.SetView(func() *faults.Snapshot {
		if v := r.View(); v != nil {
			return &v.Snapshot
		}
		return nil
	})
	var seen []float64
	for done := false; !done; {
		select {
		case <-r.Done():
			done = true
		default:
		}
		f := families(t, reg)
		seen = append(seen, sum(t, f, "lab_sim_virtual_time_seconds", nil))
		time.Sleep(5 * time.Millisecond)
	}
	res, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	end, mid := res.End.Seconds(), 0
	for _, v := range seen {
		if v > 0 && v < end {
			mid++
		}
	}
	if mid == 0 {
		t.Errorf("%d scrapes, none saw the virtual clock between 0 and %vs", len(seen), end)
	}
	if got := sum(t, families(t, reg), "lab_invoker_enqueue_total", nil); got != float64(res.Kinds[invoker.KindEnqueue]) {
		t.Errorf("enqueued %v, the run says %d", got, res.Kinds[invoker.KindEnqueue])
	}
}
