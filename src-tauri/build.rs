// The Tauri config lives at the repository root, as the user asked. The app manifest lists our
// commands so that each needs an explicit permission in the capability (least privilege).

/// The command registry (one name per line, `#` comments).
const REGISTRY: &str = include_str!("commands.txt");

fn main() {
    println!("cargo:rerun-if-changed=commands.txt");
    // The manifest wants a static list; a build script runs once, so leaking it is fine.
    let commands: &'static [&'static str] = REGISTRY
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect::<Vec<_>>()
        .leak();
    // The UI is embedded from ui/dist at compile time: rebuild whenever it is rebuilt.
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
