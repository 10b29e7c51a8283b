//! Renditions measured: time per rendition on one thread, peak memory per
//! rendition in flight, and the SSIM between two images (dssim-core).
//!
//! ```text
//! render time <file> [--reps N] [--out F]   ms per 320 px WebP thumbnail (q75)
//! render peak <file> [--cold]               peak RSS added by one rendition
//! render ssim <a> <b>                       SSIM of b against a (RGB)
//! render readback <file> --store URL         ms to read a capture back
//! render sheet <capture> <out.png>           the capture, its thumb and card
//! ```

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use clap::{Parser, Subcommand};
use shotsink::object_store::ObjectStoreExt;
use shotsink::rendition::{Renderer, Rendition, RenditionFormat, RenditionLimits};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Time the `thumb` rendition of a file, one thread, after one warm-up.
    Time {
        file: String,
        #[arg(long, default_value_t = 10)]
        reps: u32,
        /// Where to write the last rendition.
        #[arg(long)]
        out: Option<String>,
        /// An AVIF thumbnail (quality 60) instead of the WebP one.
        #[arg(long)]
        avif: bool,
    },
    /// The resident memory one `thumb` rendition adds at its peak, against
    /// the file's decoded size (width × height × channels), after a first
    /// rendition of a 16 × 16 image has paid the process's one-time costs.
    Peak {
        file: String,
        /// Count the one-time costs too (the process's first rendition).
        #[arg(long)]
        cold: bool,
    },
    /// SSIM of `b` against `a`, both decoded to RGB (1 is identical).
    Ssim { a: String, b: String },
    /// What reading a capture back from a store costs, beside making its
    /// renditions: puts `file` once, then times `reps` GETs and `reps`
    /// renditions (`thumb` and `card`) of it.
    Readback {
        file: String,
        /// The store (`s3://bucket`, with the `AWS_*` variables).
        #[arg(long)]
        store: String,
        #[arg(long, default_value_t = 50)]
        reps: u32,
    },
    /// A picture of `capture` beside its `thumb` (full size) and `card`
    /// (half size), the capture at half size, on a light background.
    Sheet { capture: String, out: String },
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn tiny_png() -> Bytes {
    let mut png = Vec::new();
    image::RgbImage::from_pixel(16, 16, image::Rgb([200, 100, 50]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode");
    png.into()
}

fn renderer() -> Renderer {
    Renderer::new(RenditionLimits {
        threads: 1,
        memory_budget: 4 << 30,
        max_pixels: 1 << 32,
    })
}

async fn thumb(renderer: &Renderer, source: Bytes) -> Bytes {
    made(renderer, source, Rendition::thumb()).await
}

async fn made(renderer: &Renderer, source: Bytes, rendition: Rendition) -> Bytes {
    let all: Arc<[Rendition]> = vec![rendition].into();
    let made = renderer.render(source, all).await.expect("decodes");
    made.into_iter().next().unwrap().expect("renders").bytes
}

fn rgb(path: &str) -> (Vec<rgb::RGB8>, usize, usize) {
    let image = image::open(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .to_rgb8();
    let (w, h) = (image.width() as usize, image.height() as usize);
    let pixels = image
        .pixels()
        .map(|p| rgb::RGB8::new(p[0], p[1], p[2]))
        .collect();
    (pixels, w, h)
}

async fn readback(file: &str, store: &str, reps: u32) {
    let store = shotsink::store_from_url(store, Vec::<(String, String)>::new()).expect("store");
    let source = Bytes::from(std::fs::read(file).expect("read"));
    let key = shotsink::object_store::path::Path::from("readback/capture.png");
    store.put(&key, source.clone().into()).await.expect("put");
    let started = Instant::now();
    for _ in 0..reps {
        let got = store
            .get(&key)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body");
        assert_eq!(got.len(), source.len());
    }
    let get_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(reps);
    let renderer = renderer();
    let both: Arc<[Rendition]> = vec![Rendition::thumb(), Rendition::card()].into();
    let started = Instant::now();
    for _ in 0..reps {
        renderer
            .render(source.clone(), both.clone())
            .await
            .expect("renders");
    }
    let render_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(reps);
    println!(
        "{file} ({} bytes): GET {get_ms:.2} ms, thumb + card {render_ms:.1} ms per capture, one after the other",
        source.len()
    );
}

async fn sheet(capture: &str, out: &str) {
    use image::imageops::{FilterType, overlay, resize};
    let source = Bytes::from(std::fs::read(capture).expect("read"));
    let both: Arc<[Rendition]> = vec![Rendition::thumb(), Rendition::card()].into();
    let made = renderer()
        .render(source.clone(), both)
        .await
        .expect("renders");
    let decode = |b: &[u8]| image::load_from_memory(b).expect("decodes").to_rgba8();
    let original = decode(&source);
    let half =
        |i: &image::RgbaImage| resize(i, i.width() / 2, i.height() / 2, FilterType::Lanczos3);
    let original = half(&original);
    let thumb = decode(&made[0].as_ref().expect("thumb").bytes);
    let card = half(&decode(&made[1].as_ref().expect("card").bytes));
    let gap = 24;
    let width = gap * 4 + original.width() + thumb.width() + card.width();
    let height = gap * 2 + original.height().max(card.height());
    let mut canvas = image::RgbaImage::from_pixel(width, height, image::Rgba([236, 239, 243, 255]));
    let mut x = i64::from(gap);
    for part in [&original, &thumb, &card] {
        overlay(&mut canvas, part, x, i64::from(gap));
        x += i64::from(part.width() + gap);
    }
    canvas.save(out).expect("write the picture");
    println!("{out}: {width} x {height}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    match Args::parse().command {
        Command::Time {
            file,
            reps,
            out,
            avif,
        } => {
            let source = Bytes::from(std::fs::read(&file).expect("read"));
            let renderer = renderer();
            let rendition = match avif {
                true => Rendition::thumb().format(RenditionFormat::Avif).quality(60),
                false => Rendition::thumb(),
            };
            let mut last = made(&renderer, source.clone(), rendition.clone()).await;
            let started = Instant::now();
            for _ in 0..reps {
                last = made(&renderer, source.clone(), rendition.clone()).await;
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(reps);
            println!("{file}: {ms:.1} ms per rendition ({} bytes)", last.len());
            if let Some(out) = out {
                std::fs::write(out, &last).expect("write");
            }
        }
        Command::Peak { file, cold } => {
            let renderer = renderer();
            if !cold {
                // What a process pays once, at its first rendition (the
                // blocking thread, the code paged in, the allocator's
                // arenas), paid here on a 16 x 16 image, then the
                // high-water mark reset (`clear_refs` 5).
                thumb(&renderer, tiny_png()).await;
                std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
            }
            let baseline = status_kib("VmRSS:");
            let source = Bytes::from(std::fs::read(&file).expect("read"));
            let dims = image::ImageReader::open(&file)
                .and_then(|r| r.with_guessed_format())
                .expect("open")
                .into_decoder()
                .map(|d| {
                    use image::ImageDecoder;
                    let channels = if d.color_type().has_alpha() { 4 } else { 3 };
                    let (w, h) = d.dimensions();
                    u64::from(w) * u64::from(h) * channels
                })
                .expect("header");
            let size = source.len();
            let admitted = renderer
                .peak_bytes(&source, &[Rendition::thumb()])
                .expect("header");
            thumb(&renderer, source).await;
            let added = (status_kib("VmHWM:") - baseline) * 1024;
            println!(
                "{file}: decoded {dims} bytes, file {size} bytes; peak added {added} bytes = {:.3} x decoded (admitted {admitted}); process peak {:.1} MiB",
                added as f64 / dims as f64,
                status_kib("VmHWM:") as f64 / 1024.0
            );
        }
        Command::Readback { file, store, reps } => readback(&file, &store, reps).await,
        Command::Sheet { capture, out } => sheet(&capture, &out).await,
        Command::Ssim { a, b } => {
            let ((pa, wa, ha), (pb, wb, hb)) = (rgb(&a), rgb(&b));
            assert_eq!((wa, ha), (wb, hb), "{a} and {b} differ in size");
            let dssim = dssim_core::Dssim::new();
            let ia = dssim.create_image_rgb(&pa, wa, ha).expect("image a");
            let ib = dssim.create_image_rgb(&pb, wb, hb).expect("image b");
            let (value, _) = dssim.compare(&ia, ib);
            let d = f64::from(value);
            println!(
                "SSIM {:.4} (DSSIM {d:.5}) of {b} against {a}",
                1.0 / (1.0 + d)
            );
        }
    }
}
