//! The HTML report's charts: grouped bars (old beside new, per category) as
//! inline SVG, drawn by plotters on data coordinates. Geometry is `f64`;
//! the numbers printed on the bars come from the report's exact values.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The old version's colour.
pub const OLD: RGBColor = RGBColor(0x9a, 0xa9, 0xbc);
/// The new version's colour.
pub const NEW: RGBColor = RGBColor(0x1f, 0x5f, 0xbf);

/// One bar: its height on the axis and the text printed above it.
pub struct Bar {
    pub value: f64,
    pub shown: String,
}

/// A chart of categories, each with an old and a new bar.
pub struct Grouped<'a> {
    pub title: &'a str,
    /// What the y axis counts (`approval rate, %`).
    pub axis: &'a str,
    pub categories: Vec<(String, Bar, Bar)>,
    /// The top of the y axis at least (100 for a percentage).
    pub at_least: f64,
}

/// The chart as an `<svg>` element; a text saying why when it cannot be drawn.
pub fn grouped_bars(chart: &Grouped<'_>) -> String {
    let mut svg = String::new();
    let width = (160 + 90 * chart.categories.len()).clamp(420, 1100) as u32;
    match draw(chart, &mut svg, (width, 300)) {
        Ok(()) => svg,
        Err(error) => format!("<p>(chart not drawn: {})</p>", super::html::escape(&error)),
    }
}

fn draw(chart: &Grouped<'_>, svg: &mut String, size: (u32, u32)) -> Result<(), String> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let n = chart.categories.len().max(1) as f64;
    let highest = chart.categories.iter().flat_map(|(_, o, n)| [o.value, n.value]).fold(chart.at_least, f64::max);
    let top = if highest > 0.0 { highest * 1.12 } else { 1.0 };
    let mut plot = ChartBuilder::on(&root)
        .caption(chart.title, ("sans-serif", 17))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..n, 0f64..top)
        .map_err(|e| e.to_string())?;
    plot.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(chart.axis)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())?;
    let above = TextStyle::from(("sans-serif", 11).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    let below = TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (i, (name, old, new)) in chart.categories.iter().enumerate() {
        let left = i as f64;
        for (bar, from, colour) in [(old, 0.18, OLD), (new, 0.5, NEW)] {
            let (x0, x1) = (left + from, left + from + 0.32);
            plot.draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x1, bar.value)], colour.filled())))
                .map_err(|e| e.to_string())?;
            let label =
                EmptyElement::at(((x0 + x1) / 2.0, bar.value)) + Text::new(bar.shown.clone(), (0, -3), above.clone());
            plot.draw_series(std::iter::once(label)).map_err(|e| e.to_string())?;
        }
        let label = EmptyElement::at((left + 0.5, 0.0)) + Text::new(name.clone(), (0, 6), below.clone());
        plot.draw_series(std::iter::once(label)).map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
