package ops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// Profile starts what an operator asked for to see where a service spends
// its CPU and memory (README, Performance): with cpuDir set, a CPU profile
// written to cpuDir/NAME-PID.pprof when the returned stop runs; with heapDir
// set, the heap profile at the largest live heap yet, rewritten to
// heapDir/NAME-PID.heap.pprof as the heap grows until ctx ends. The
// benchmarks run each service as a process of its own, so a profile per
// process is a profile per service.
func Profile(ctx context.Context, name, cpuDir, heapDir string) (stop func(), err error) {
	stop = func() {}
	if cpuDir != "" {
		f, err := os.Create(filepath.Join(cpuDir, fmt.Sprintf("%s-%d.pprof", name, os.Getpid())))
		if err != nil {
			return stop, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return stop, fmt.Errorf("cpu profile: %w", err)
		}
		stop = func() {
			pprof.StopCPUProfile()
			f.Close()
		}
	}
	if heapDir != "" {
		path := filepath.Join(heapDir, fmt.Sprintf("%s-%d.heap.pprof", name, os.Getpid()))
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			heapProfileAtPeak(ctx, path)
		}()
		cpuStop := stop
		stop = func() {
			cancel()
			<-done
			cpuStop()
		}
	}
	return stop, nil
}

// heapProfileAtPeak writes the heap profile to path whenever the live heap
// after a collection is the largest yet, until ctx ends.
func heapProfileAtPeak(ctx context.Context, path string) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var peak uint64
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		// Only once the peak grew by a twentieth, so that a heap creeping
		// up does not have its profile rewritten on every tick.
		if live := sample[0].Value.Uint64(); live > peak+peak/20 {
			peak = live
			if f, err := os.Create(path); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}
}
