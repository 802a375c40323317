package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// sparkline draws counts as a polyline, width × height pixels, scaled to
// its own maximum; the title says what it shows to a screen reader.
func sparkline(counts []int64, label string) template.HTML {
	const w, h = 120, 24
	var peak, total int64
	for _, c := range counts {
		peak = max(peak, c)
		total += c
	}
	var pts strings.Builder
	for i, c := range counts {
		x := float64(i) * w / float64(max(len(counts)-1, 1))
		y := float64(h - 2)
		if peak > 0 {
			y = float64(h-2) - float64(c)*float64(h-4)/float64(peak)
		}
		fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
	}
	return template.HTML(fmt.Sprintf(`<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title><polyline fill="none" stroke="#0b57d0" stroke-width="1.5" points="%s"/></svg>`,
		w, h, w, h, template.HTMLEscapeString(label), template.HTMLEscapeString(label), strings.TrimSpace(pts.String())))
}

// barChart draws counts per step from start as bars with a time axis and
// the peak on the y axis.
func barChart(counts []int64, start time.Time, step time.Duration, label string) template.HTML {
	const w, h, left, bottom = 900, 200, 40, 20
	var peak, total int64
	for _, c := range counts {
		peak = max(peak, c)
		total += c
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="occurrences" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`,
		w, h, template.HTMLEscapeString(label), template.HTMLEscapeString(label))
	plotH := float64(h - bottom - 10)
	fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, h-bottom, w, h-bottom)
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="14" text-anchor="end">%d</text><text class="axis" x="%d" y="%d" text-anchor="end">0</text>`, left-4, peak, left-4, h-bottom)
	bw := float64(w-left) / float64(max(len(counts), 1))
	for i, c := range counts {
		if c == 0 {
			continue
		}
		bh := float64(c) * plotH / float64(max(peak, 1))
		at := start.Add(time.Duration(i) * step).UTC()
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
			float64(left)+float64(i)*bw+0.5, float64(h-bottom)-bh, max(bw-1, 0.5), bh, at.Format("Jan 2 15:04 UTC"), c)
	}
	layout := "15:04"
	if step >= time.Hour*2 {
		layout = "Jan 2"
	}
	// The first and last labels keep inside the chart.
	for k, i := range []int{0, len(counts) / 2, len(counts) - 1} {
		if i < 0 {
			continue
		}
		at := start.Add(time.Duration(i) * step).UTC()
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="%s">%s</text>`, float64(left)+(float64(i)+0.5)*bw, h-4,
			[]string{"start", "middle", "end"}[k], at.Format(layout))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
