package elastic

import "errors"

// ErrLiveData is Restore's answer for a restore in place that would delete
// documents, without RestoreOptions.Force.
var ErrLiveData = errors.New("a restore in place deletes the live data")

// errMappingRefused is putMapping's answer for a mapping update that
// conflicts with the existing one.
var errMappingRefused = errors.New("mapping refused")
