package ops

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// Both profiles land where they were asked for, named for the service and
// the process, and the heap profile is written while the service still runs.
func TestProfileWritesBothProfiles(t *testing.T) {
	cpuDir, heapDir := t.TempDir(), t.TempDir()
	stop, err := Profile(t.Context(), "processor", cpuDir, heapDir)
	if err != nil {
		t.Fatal(err)
	}
	var keep [][]byte
	heapFile := filepath.Join(heapDir, "processor-"+strconv.Itoa(os.Getpid())+".heap.pprof")
	testenv.Eventually(t, "the heap profile, written while the service runs", 10*time.Second, func() bool {
		keep = append(keep, make([]byte, 1<<20))
		runtime.GC()
		fi, err := os.Stat(heapFile)
		return err == nil && fi.Size() > 0
	})
	stop()
	fi, err := os.Stat(filepath.Join(cpuDir, "processor-"+strconv.Itoa(os.Getpid())+".pprof"))
	if err != nil || fi.Size() == 0 {
		t.Fatalf("cpu profile after stop: %v, %v", fi, err)
	}
	runtime.KeepAlive(keep)
}

func TestProfileNamesAnUnwritableDirectory(t *testing.T) {
	_, err := Profile(context.Background(), "ingest", filepath.Join(t.TempDir(), "missing"), "")
	if err == nil {
		t.Fatal("no error for a missing directory")
	}
}
