//! How the window's web engine is set up, where Tauri's defaults do not suit Casebook.
//!
//! On Linux (WebKitGTK) the engine keeps only the small caches of a single-document viewer:
//! Casebook shows one page of its own, never browses, and has nothing to gain from keeping
//! pages and resources for going back and forth.
//!
//! Drawing without GPU compositing (hardware acceleration policy "never") would save about
//! 100 MB more on the standard machine (docs/benchmarks.md, "The installed app"), but it was
//! measured and left out: in that mode WebKitGTK 2.50's WebDriver screenshots wait for a frame
//! that a still page never draws (the end-to-end suite hung on one), and the mode is being
//! rewritten upstream with regressions in 2026. A DSL's window must not be the test bed.

/// Applies the settings above to the main window's web view; elsewhere, nothing.
pub(crate) fn settle<R: tauri::Runtime>(app: &tauri::App<R>) {
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager;
        use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
        let Some(window) = app.get_webview_window("main") else {
            return;
        };
        // Best effort: if the web view cannot be reached, it keeps WebKit's defaults.
        let _ = window.with_webview(|platform| {
            if let Some(context) = platform.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
