//! How long a member's archive takes to make and to bring in, and how much memory beyond what
//! the process held before (its peak resident set, reset first through `/proc/self/clear_refs`):
//! 10,000 posts with 200 pictures (phone-sized JPEGs), the export written by the same code the
//! settings page and `porchlight export` run, then brought into a second camp by the import's.
//! Targets (issue 17): each under a minute on the development machine, under 64 MB extra.
//! `--quick`: 500 posts with 20 pictures.

use std::time::Instant;

use porchlight_app::members::NewMember;
use porchlight_app::posting::Compose;
use porchlight_app::uploads::PictureDetails;
use porchlight_app::{App, Limits};
use porchlight_core::audience::{Audience, Role};

#[path = "../memory.rs"]
mod memory;
use memory::status;

/// Runs `work`, returning its result, the seconds it took and the peak memory it added (MB).
fn measured<T>(work: impl FnOnce() -> T) -> (T, f64, f64) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status("VmRSS:");
    let started = Instant::now();
    let value = work();
    let seconds = started.elapsed().as_secs_f64();
    let extra = status("VmHWM:").saturating_sub(before) as f64 / 1024.0;
    (value, seconds, extra)
}

fn camp(dir: &std::path::Path) -> App {
    let app = App::open(dir, Limits::default()).expect("open camp");
    app.add_member(&NewMember {
        username: "hana",
        password: "a long benchmark password",
        display_name: "Hana",
        role: Role::Host,
    })
    .expect("add hana");
    app
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (posts, pictures) = if quick { (500, 20) } else { (10_000, 200) };
    let dir = tempfile::tempdir().expect("temp dir");
    let (from, to) = (dir.path().join("from"), dir.path().join("to"));
    std::fs::create_dir_all(&from).unwrap();
    std::fs::create_dir_all(&to).unwrap();

    // Seed: through the use cases, as a member would have written them over the years.
    let seeding = Instant::now();
    let app = camp(&from);
    let hana = app.account_by_handle("hana").expect("hana");
    let photo = porchlight_pictures::samples::photo(1600, 1200, 1);
    let every = posts / pictures;
    for n in 0..posts {
        let media = if n % every == 0 {
            let upload = app
                .upload_picture(
                    hana,
                    &photo,
                    &PictureDetails {
                        description: Some("the lake at dawn"),
                        focus: None,
                    },
                )
                .expect("upload");
            vec![upload.id]
        } else {
            Vec::new()
        };
        let audience = match n % 4 {
            0 => Audience::Public,
            1 => Audience::Local,
            2 => Audience::Followers,
            _ => Audience::Unlisted,
        };
        app.post(
            hana,
            &Compose {
                text: &format!("post number {n} about the #lake and the trail"),
                content_warning: "",
                audience,
                in_reply_to: None,
                media: &media,
                poll: None,
                event: None,
            },
        )
        .expect("post");
    }
    eprintln!(
        "seeded {posts} posts with {pictures} pictures ({} KB each) in {:.0} s",
        photo.len() / 1024,
        seeding.elapsed().as_secs_f64()
    );

    let archive = dir.path().join("hana.zip");
    let ((), export_secs, export_mb) = measured(|| {
        app.export_to(hana, &archive, |_, _| {}).expect("export");
    });
    let size_mb = std::fs::metadata(&archive).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    drop(app);

    let app = camp(&to);
    let hana = app.account_by_handle("hana").expect("hana");
    let (report, import_secs, import_mb) = measured(|| {
        app.import_from(hana, &archive, None, |_, _| {})
            .expect("import")
    });
    assert!(
        report.contains(&format!("Brought in: {posts} posts, {pictures} pictures")),
        "{report}"
    );
    println!(
        "archive of {posts} posts with {pictures} pictures ({size_mb:.1} MB): export {export_secs:.1} s, \
         peak extra memory {export_mb:.1} MB; import {import_secs:.1} s, peak extra memory \
         {import_mb:.1} MB (targets: under 60 s and 64 MB each)"
    );
    if export_mb > 64.0 || import_mb > 64.0 {
        eprintln!("over the 64 MB bound");
        std::process::exit(1);
    }
}
