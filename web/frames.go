package web

import (
	"github.com/faultline/faultline/grouping"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
)

// FrameView is one stack frame as the group page shows it.
type FrameView struct {
	event.Frame
	InApp bool
	// Fingerprint marks a frame the group's fingerprint was made from, and
	// Reason says why.
	Fingerprint bool
	Reason      string
}

// Segment is a run of frames: one in-app frame, or library frames folded
// together.
type Segment struct {
	Library bool
	Frames  []FrameView
}

// ExceptionView is one link of the cause chain, outermost first.
type ExceptionView struct {
	Type, Message string
	Segments      []Segment
	Frames        int
}

// Explainer says, for an event of a group, which frames are the app's own
// and which made the group's fingerprint under strategy, the grouping
// version the group was made with, with a reason per frame.
type Explainer func(ev *event.Event, strategy string) []ExceptionView

// GroupingFrames explains an event by the grouping package's own rules
// (grouping.ExplainAs), with the configuration's in_app lists and library
// prefixes: the frames marked are the ones the processor hashed. A group of
// a version this build does not know (made by a newer replica) shows its
// frames as the latest version reads them, none marked.
func GroupingFrames(g config.Grouping) Explainer {
	f := grouping.NewFingerprinterFrom(g)
	return func(ev *event.Event, strategy string) []ExceptionView {
		x, err := f.ExplainAs(ev, strategy)
		if err != nil {
			x = f.Explain(ev)
			for i := range x.Exceptions {
				for j := range x.Exceptions[i].Frames {
					fr := &x.Exceptions[i].Frames[j]
					fr.Counted, fr.Reason = false, err.Error()
				}
			}
		}
		explicit := x.Basis == "explicit" || x.Basis == "rule"
		out := make([]ExceptionView, 0, len(ev.Faultline.Exceptions))
		for i, ex := range ev.Faultline.Exceptions {
			xv := ExceptionView{Type: ex.Type, Message: ex.Message, Frames: len(ex.Frames)}
			for j, fr := range ex.Frames {
				v := FrameView{Frame: fr}
				if i < len(x.Exceptions) && j < len(x.Exceptions[i].Frames) {
					xf := x.Exceptions[i].Frames[j]
					v.InApp, v.Fingerprint, v.Reason = xf.InApp, xf.Counted, xf.Reason
				}
				if explicit {
					v.Fingerprint, v.Reason = false, grouping.ReasonExplicitWins
				}
				if n := len(xv.Segments); !v.InApp && n > 0 && xv.Segments[n-1].Library {
					xv.Segments[n-1].Frames = append(xv.Segments[n-1].Frames, v)
					continue
				}
				xv.Segments = append(xv.Segments, Segment{Library: !v.InApp, Frames: []FrameView{v}})
			}
			out = append(out, xv)
		}
		return out
	}
}
