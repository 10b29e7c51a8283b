//! Every rendition of one capture made in one pass over its rows: rows are
//! read as the renditions' next bands need them and let go of once no band
//! will read them again, so a PNG full page is never whole in memory.

use fast_image_resize::Resizer;

use super::error::RenditionError;
use super::make::{Job, Rendered, premultiply, window_rows};
use super::rows::Rows;
use super::spec::Rendition;

/// Rows read and dropped at a time where no rendition reads them (the
/// middle of a page a cover crop skips).
const SKIP: u32 = 64;

/// Makes every rendition from `rows`, each with its own error (rows that
/// do not decode fail those not made when they were reached).
pub(crate) fn render_all(
    rows: Rows<'_>,
    renditions: &[Rendition],
) -> Result<Vec<Result<Rendered, RenditionError>>, RenditionError> {
    render_rows(rows, renditions, &mut 0)
}

/// As [`render_all`], keeping in `widest` the most rows held at once.
pub(crate) fn render_rows(
    mut rows: Rows<'_>,
    renditions: &[Rendition],
    widest: &mut u32,
) -> Result<Vec<Result<Rendered, RenditionError>>, RenditionError> {
    let (width, height, alpha) = rows.shape();
    let row_bytes = width as usize * if alpha { 4 } else { 3 };
    let mut jobs: Vec<Option<Job<'_>>> = renditions
        .iter()
        .map(|r| Some(Job::new((width, height), alpha, r)))
        .collect();
    let mut made: Vec<Option<Result<Rendered, RenditionError>>> =
        renditions.iter().map(|_| None).collect();
    // The window holds the source's rows `top..end`, never more than the
    // widest band reaches (reserved once: no doubling past it).
    let reach = window_rows((width, height), renditions).max(1);
    let mut window = Vec::new();
    if matches!(rows, Rows::Png(_)) {
        window.reserve_exact(reach as usize * row_bytes);
    }
    // One resizer for every rendition: its intermediate image is the
    // largest band's, not one per rendition.
    let mut resizer = Resizer::new();
    let (mut top, mut end) = (0u32, 0u32);
    let mut premultiplied = false;
    loop {
        for (slot, made) in jobs.iter_mut().zip(made.iter_mut()) {
            while let Some(job) = slot {
                if job.done() {
                    *made = slot.take().map(|j| j.finish(premultiplied));
                } else if job.needs().1 <= end {
                    if let Err(e) = job.band(&mut resizer, &window, top) {
                        *made = Some(Err(e));
                        *slot = None;
                    }
                } else {
                    break;
                }
            }
        }
        let needs = jobs.iter().flatten().map(Job::needs);
        let Some((first, last)) = needs.reduce(|a, b| (a.0.min(b.0), a.1.min(b.1))) else {
            break;
        };
        // Rows no band will read again let go of.
        let gone = first.min(end) - top;
        window.drain(..gone as usize * row_bytes);
        top += gone;
        let want = if first > end {
            (first - end).min(SKIP).min(reach)
        } else {
            last - end
        };
        let at = window.len();
        let got = match rows.read(&mut window, want) {
            Ok(0) => Err(RenditionError::Decode(
                "the image ended before its last row".into(),
            )),
            read => read,
        };
        // Rows that do not decode fail the renditions still waiting for
        // them; those made already (a fold above the damage) stand.
        let got = match got {
            Ok(got) => got,
            Err(e) => {
                for (slot, made) in jobs.iter_mut().zip(made.iter_mut()) {
                    if slot.take().is_some() {
                        *made = Some(Err(e.clone()));
                    }
                }
                break;
            }
        };
        end += got;
        *widest = (*widest).max(end - top);
        if alpha {
            premultiplied |= premultiply(&mut window[at..], width)?;
        }
    }
    Ok(made
        .into_iter()
        .map(|m| m.unwrap_or_else(|| Err(RenditionError::Worker("a rendition was lost".into()))))
        .collect())
}
