package web

import (
	"strings"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/processor"
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

// Explainer says, for an event, which frames are the app's own and which
// made the group's fingerprint, with a reason per frame.
//
// This is the seam for the grouping package (being moved out of the
// processor with per-frame reasons): until it lands, StoredFrames derives
// the answer from the frames stored on the event and the grouping
// configuration, by the processor's Java rule.
type Explainer func(ev *event.Event) []ExceptionView

// StoredFrames explains frames as the processor's rule for Java does: a
// frame is in-app by the sender's own verdict (in_app), else by
// grouping.in_app for its service, else when it is outside the known
// library packages; when any frame of the chain is in-app, the in-app
// frames make the fingerprint, else every frame does.
func StoredFrames(g config.Grouping) Explainer {
	f := processor.NewFingerprinterFrom(g)
	return func(ev *event.Event) []ExceptionView {
		own := f.InApp[ev.Service.Name]
		inApp := func(fr event.Frame) bool {
			if fr.InApp != nil {
				return *fr.InApp
			}
			if len(own) > 0 {
				for _, p := range own {
					if strings.HasPrefix(fr.Class, p) {
						return true
					}
				}
				return false
			}
			for _, p := range f.LibraryPrefixes {
				if strings.HasPrefix(fr.Class, p) {
					return false
				}
			}
			return true
		}
		anyInApp := false
		for _, ex := range ev.Faultline.Exceptions {
			for _, fr := range ex.Frames {
				anyInApp = anyInApp || inApp(fr)
			}
		}
		out := make([]ExceptionView, 0, len(ev.Faultline.Exceptions))
		for _, ex := range ev.Faultline.Exceptions {
			xv := ExceptionView{Type: ex.Type, Message: ex.Message, Frames: len(ex.Frames)}
			for _, fr := range ex.Frames {
				v := FrameView{Frame: fr, InApp: inApp(fr)}
				switch {
				case v.InApp:
					v.Fingerprint, v.Reason = true, "in-app frame: part of the fingerprint"
				case !anyInApp:
					v.Fingerprint, v.Reason = true, "no in-app frame in the chain, so every frame is part of the fingerprint"
				default:
					v.Reason = "library frame: not part of the fingerprint"
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
