//! How the window's web engine is set up, where Tauri's defaults do not suit Casebook.
//!
//! On Linux (WebKitGTK) the page is drawn without GPU compositing, and the engine keeps only the
//! small caches of a single-document viewer. Casebook's screens are forms and tables, with no
//! animation, video or canvas, so nothing a DSL sees changes; what changes is memory: on the
//! standard machine (no GPU, so the GL driver is Mesa's software one) the window and its web
//! engine held about 330 MB PSS at the set-up screen composited, against about 230 MB without
//! (docs/benchmarks.md, "The installed app"). Not compositing also avoids the blank or
//! flickering windows that some GPU drivers give WebKitGTK.

/// Applies the settings above to the main window's web view; elsewhere, nothing.
pub(crate) fn settle<R: tauri::Runtime>(app: &tauri::App<R>) {
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager;
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        let Some(window) = app.get_webview_window("main") else {
            return;
        };
        // Best effort: if the web view cannot be reached, it keeps WebKit's defaults.
        let _ = window.with_webview(|platform| {
            let view = platform.inner();
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
