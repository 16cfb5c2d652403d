//! How long display copies of a 12-megapixel photo take, and how much memory beyond what the
//! process held before (its peak resident set, with the peak reset first through
//! `/proc/self/clear_refs`), for each kind of file a camper may upload: a phone's baseline JPEG,
//! progressive JPEGs (colour halved or full, as editors and web sites save them) and PNGs
//! (opaque, and with see-through pixels). Target: under 64 MB extra for each. A picture the box
//! will not decode within its bound is said so (it is then shown as it came, without copies).
//! Each kind is measured in a process of its own, so memory the allocator kept from one does not
//! hide the next one's. `--quick`: a 2-megapixel photo.

use std::time::Instant;

use porchlight_pictures::samples;

#[path = "../memory.rs"]
mod memory;
use memory::status;

const BOUND_KB: u64 = 64 * 1024;

type Make = fn(u32, u32) -> Vec<u8>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let kinds = kinds();
    if let Some(at) = args.iter().position(|a| a == "--kind") {
        let index: usize = args[at + 1].parse().expect("--kind N");
        let (name, make) = kinds[index];
        std::process::exit(if measure(name, make, quick) { 0 } else { 1 });
    }
    let mut over = false;
    for index in 0..kinds.len() {
        let mut child = std::process::Command::new(&args[0]);
        child.args(["--kind", &index.to_string()]);
        if quick {
            child.arg("--quick");
        }
        over |= !child.status().expect("the bench runs itself").success();
    }
    if over {
        std::process::exit(1);
    }
}

fn kinds() -> [(&'static str, Make); 5] {
    [
        // As a phone sends it: on its side, with the turn in EXIF.
        ("phone JPEG", |w, h| samples::photo(w, h, 6)),
        ("progressive JPEG, 4:2:0", |w, h| {
            samples::progressive_photo(w, h, false)
        }),
        ("progressive JPEG, 4:4:4", |w, h| {
            samples::progressive_photo(w, h, true)
        }),
        ("PNG", |w, h| samples::photo_png(w, h, false)),
        ("PNG with see-through pixels", |w, h| {
            samples::photo_png(w, h, true)
        }),
    ]
}

/// Measures one kind; false when it went over the bound.
fn measure(name: &str, make: Make, quick: bool) -> bool {
    let (width, height) = if quick { (1600, 1200) } else { (4000, 3000) };
    let runs = if quick { 2 } else { 5 };
    let upload = make(width, height);
    let picture = porchlight_pictures::clean(&upload).expect("a picture");
    drop(upload);
    let mut times = Vec::new();
    let mut extra_kb = 0;
    let mut refused = None;
    for _ in 0..runs {
        // The photo's own making is not counted: the peak starts again from what is held now.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = status("VmRSS:");
        let started = Instant::now();
        let copies = porchlight_pictures::display_copies(&picture);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        extra_kb = extra_kb.max(status("VmHWM:").saturating_sub(before));
        match copies {
            Ok(c) => assert!(c.small.is_some() && c.large.is_some() && c.blurhash.is_some()),
            Err(e) => refused = Some(e),
        }
    }
    times.sort_by(f64::total_cmp);
    let outcome = match refused {
        Some(e) => format!("no copies ({e})"),
        None => "copies made".to_owned(),
    };
    println!(
        "display copies of a {:.1}-megapixel {name} ({} KB): {outcome}; median {:.0} ms \
         (min {:.0}, max {:.0}) over {runs} runs; peak extra memory {:.1} MB (target < 64 MB)",
        f64::from(width * height) / 1e6,
        picture.bytes.len() / 1024,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        extra_kb as f64 / 1024.0
    );
    if extra_kb > BOUND_KB {
        eprintln!("{name}: over the 64 MB bound");
        return false;
    }
    true
}
