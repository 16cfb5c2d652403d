//! How long display copies of a 12-megapixel phone photo take, and how much memory beyond
//! what the process held before (its peak resident set, with the peak reset first through
//! `/proc/self/clear_refs`). Target: under 64 MB extra. `--quick`: a 2-megapixel photo.

use std::time::Instant;

#[path = "../memory.rs"]
mod memory;
use memory::status;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (width, height) = if quick { (1600, 1200) } else { (4000, 3000) };
    // A photo as a phone sends it: on its side, with the turn in EXIF.
    let upload = porchlight_pictures::samples::photo(width, height, 6);
    let picture = porchlight_pictures::clean(&upload).expect("a picture");
    let runs = if quick { 2 } else { 5 };
    let mut times = Vec::new();
    let mut extra_kb = 0;
    for _ in 0..runs {
        // The photo's own making is not counted: the peak starts again from what is held now.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = status("VmRSS:");
        let started = Instant::now();
        let copies = porchlight_pictures::display_copies(&picture).expect("copies");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        extra_kb = extra_kb.max(status("VmHWM:").saturating_sub(before));
        assert!(copies.small.is_some() && copies.large.is_some() && copies.blurhash.is_some());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "display copies of a {:.1}-megapixel JPEG ({} KB): median {:.0} ms (min {:.0}, max {:.0}) \
         over {runs} runs; peak extra memory {:.1} MB (target < 64 MB)",
        f64::from(width * height) / 1e6,
        upload.len() / 1024,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        extra_kb as f64 / 1024.0
    );
    if extra_kb > 64 * 1024 {
        eprintln!("over the 64 MB bound");
        std::process::exit(1);
    }
}
