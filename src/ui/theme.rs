//! Every colour of the app, for the light and dark themes and the high-contrast presentation
//! mode, and how they are applied to egui's style.

use egui::{Color32, FontFamily, FontId, TextStyle};

use crate::model::Proto;

use super::settings::Settings;

/// The colours the app draws with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    pub dark: bool,
    pub text: Color32,
    pub weak_text: Color32,
    pub client: Color32,
    pub server: Color32,
    pub accent: Color32,
    pub envelope: Color32,
    pub arrow: Color32,
    pub phase_bg: Color32,
    pub lane: Color32,
    /// A lit layer of the sending stack (headers being added).
    pub lit_send: Color32,
    /// A lit layer of the receiving stack (headers coming off).
    pub lit_recv: Color32,
    /// A layer this packet uses, not lit right now.
    pub layer_idle: Color32,
    /// A layer this packet does not use.
    pub layer_dark: Color32,
    pub hover: Color32,
    pub selected: Color32,
    pub good: Color32,
    pub bad: Color32,
    /// Warnings (amber): TCP analysis notes, app notes, packets waiting.
    pub warn: Color32,
    /// Row backgrounds of packets with errors (red) and warnings (amber), like Wireshark.
    pub bad_bg: Color32,
    pub warn_bg: Color32,
}

impl Palette {
    pub fn new(dark: bool, high_contrast: bool) -> Self {
        let base = if dark {
            Self {
                dark,
                text: Color32::from_gray(225),
                weak_text: Color32::from_gray(150),
                client: Color32::from_rgb(100, 170, 255),
                server: Color32::from_rgb(255, 170, 80),
                accent: Color32::from_rgb(255, 220, 90),
                envelope: Color32::from_rgb(255, 235, 150),
                arrow: Color32::from_gray(150),
                phase_bg: Color32::from_rgba_unmultiplied(255, 255, 255, 10),
                lane: Color32::from_gray(110),
                lit_send: Color32::from_rgb(40, 110, 200),
                lit_recv: Color32::from_rgb(200, 120, 30),
                layer_idle: Color32::from_gray(60),
                layer_dark: Color32::from_gray(32),
                hover: Color32::from_rgba_unmultiplied(255, 255, 255, 60),
                selected: Color32::from_rgb(255, 200, 0),
                good: Color32::from_rgb(90, 200, 110),
                bad: Color32::from_rgb(255, 90, 90),
                warn: Color32::from_rgb(255, 190, 60),
                bad_bg: Color32::from_rgb(110, 25, 25),
                warn_bg: Color32::from_rgb(95, 75, 10),
            }
        } else {
            Self {
                dark,
                text: Color32::from_gray(20),
                weak_text: Color32::from_gray(95),
                client: Color32::from_rgb(20, 90, 200),
                server: Color32::from_rgb(190, 90, 0),
                // Violet: apart from the client's blue and the server's orange, and not the red
                // of errors (the current packet is not a problem).
                accent: Color32::from_rgb(120, 40, 180),
                envelope: Color32::from_rgb(255, 215, 60),
                arrow: Color32::from_gray(90),
                phase_bg: Color32::from_rgba_unmultiplied(0, 0, 0, 10),
                lane: Color32::from_gray(140),
                lit_send: Color32::from_rgb(120, 175, 255),
                lit_recv: Color32::from_rgb(255, 185, 110),
                layer_idle: Color32::from_gray(215),
                layer_dark: Color32::from_gray(245),
                hover: Color32::from_rgba_unmultiplied(0, 0, 0, 40),
                selected: Color32::from_rgb(255, 190, 0),
                good: Color32::from_rgb(20, 140, 50),
                bad: Color32::from_rgb(200, 20, 20),
                warn: Color32::from_rgb(170, 100, 0),
                bad_bg: Color32::from_rgb(255, 150, 150),
                warn_bg: Color32::from_rgb(255, 225, 130),
            }
        };
        if high_contrast {
            Self {
                text: if dark { Color32::WHITE } else { Color32::BLACK },
                weak_text: if dark {
                    Color32::from_gray(200)
                } else {
                    Color32::from_gray(40)
                },
                arrow: if dark {
                    Color32::from_gray(210)
                } else {
                    Color32::from_gray(30)
                },
                lane: if dark {
                    Color32::from_gray(180)
                } else {
                    Color32::from_gray(60)
                },
                ..base
            }
        } else {
            base
        }
    }

    /// Background tint of a header's bytes in the hex view, by protocol (one colour per layer).
    pub fn layer_bg(&self, proto: Proto) -> Color32 {
        self.osi_bg(proto.osi_layer())
    }

    /// Background tint by OSI layer (2 link, 3 network, 4 transport, 7 application).
    pub fn osi_bg(&self, layer: u8) -> Color32 {
        let (r, g, b) = match layer {
            2 => (160, 160, 160),
            3 => (110, 170, 255),
            4 => (120, 210, 120),
            _ => (240, 170, 80),
        };
        let alpha = if self.dark { 70 } else { 90 };
        Color32::from_rgba_unmultiplied(r, g, b, alpha)
    }

    /// Background tint of Engine.IO bytes (inside the application layer's colour).
    pub fn eio_bg(&self) -> Color32 {
        let alpha = if self.dark { 90 } else { 110 };
        Color32::from_rgba_unmultiplied(200, 120, 255, alpha)
    }

    /// Background tint of Socket.IO bytes (inside Engine.IO's).
    pub fn sio_bg(&self) -> Color32 {
        let alpha = if self.dark { 90 } else { 110 };
        Color32::from_rgba_unmultiplied(255, 110, 160, alpha)
    }

    /// Row colours of the packet list, Wireshark's default colouring rules.
    pub fn row_colors(&self, rule: RowRule) -> (Color32, Color32) {
        let (bg, fg) = match rule {
            RowRule::Error => {
                return (
                    self.bad_bg,
                    if self.dark {
                        Color32::WHITE
                    } else {
                        Color32::BLACK
                    },
                );
            }
            RowRule::Warning => {
                return (
                    self.warn_bg,
                    if self.dark {
                        Color32::WHITE
                    } else {
                        Color32::BLACK
                    },
                );
            }
            RowRule::BadTcp => (
                Color32::from_rgb(18, 39, 46),
                Color32::from_rgb(247, 120, 120),
            ),
            RowRule::Rst => (
                Color32::from_rgb(164, 0, 0),
                Color32::from_rgb(255, 252, 156),
            ),
            RowRule::SynFin => (
                Color32::from_rgb(160, 160, 160),
                Color32::from_rgb(18, 39, 46),
            ),
            RowRule::Http => (
                Color32::from_rgb(228, 255, 199),
                Color32::from_rgb(18, 39, 46),
            ),
            RowRule::WebSocket => (
                Color32::from_rgb(215, 235, 255),
                Color32::from_rgb(18, 39, 46),
            ),
            RowRule::Tcp => (
                Color32::from_rgb(231, 230, 255),
                Color32::from_rgb(18, 39, 46),
            ),
            RowRule::Other => (
                Color32::from_rgb(255, 255, 255),
                Color32::from_rgb(18, 39, 46),
            ),
        };
        if self.dark && !matches!(rule, RowRule::BadTcp | RowRule::Rst) {
            // Same hue, dimmed, so the list does not glare in a dark room.
            let dim = |c: u8| (f32::from(c) * 0.3) as u8;
            (
                Color32::from_rgb(dim(bg.r()), dim(bg.g()), dim(bg.b())),
                Color32::from_gray(230),
            )
        } else {
            (bg, fg)
        }
    }
}

/// Which Wireshark colouring rule a packet falls under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowRule {
    /// A decode issue or an RFC 6455 violation (red).
    Error,
    /// TCP analysis or a parser note (amber).
    Warning,
    BadTcp,
    Rst,
    SynFin,
    Http,
    WebSocket,
    Tcp,
    Other,
}

/// The smallest window, in points, the layout is made for.
pub const MIN_LAYOUT: egui::Vec2 = egui::vec2(1000.0, 700.0);

/// The largest zoom at which the window still holds `MIN_LAYOUT` points: more would make the
/// panels overlap.
pub fn max_zoom(ctx: &egui::Context) -> f32 {
    // Points shrink as the zoom grows: the window's size at zoom 1 is its size now × the zoom.
    max_zoom_for(ctx.viewport_rect().size() * ctx.zoom_factor())
}

/// The largest zoom for a window of `unzoomed` points (its size at zoom 1).
fn max_zoom_for(unzoomed: egui::Vec2) -> f32 {
    let fit = (unzoomed / MIN_LAYOUT).min_elem();
    if fit.is_finite() && fit > 0.0 {
        fit.max(0.5)
    } else {
        1.0
    }
}

/// Zoom to `wanted`, or as far as the window allows; called every frame, so that a smaller
/// window lowers the zoom and a larger one gives it back.
pub fn fit_zoom(ctx: &egui::Context, wanted: f32) {
    let zoom = wanted.clamp(0.5, 3.0).min(max_zoom(ctx));
    if (ctx.zoom_factor() - zoom).abs() > 0.005 {
        ctx.set_zoom_factor(zoom);
    }
}

/// How much larger than normal the text is: 1.45× in presentation mode in a window of 1000
/// points or more in height, less in a smaller one (at 1280 × 720 the panels cannot hold
/// 1.45× text: the stacks, the ladder and the Accept table were cut), down to 1.1×.
pub fn font_scale(ctx: &egui::Context, settings: &Settings) -> f32 {
    if settings.presentation {
        presentation_scale(ctx.viewport_rect().height())
    } else {
        1.0
    }
}

/// Window heights (points) at which presentation text reaches its full and its least size.
const FULL_SCALE_HEIGHT: f32 = 1000.0;
const LEAST_SCALE_HEIGHT: f32 = 620.0;

/// Presentation mode's text scale in a window `height_points` high.
fn presentation_scale(height_points: f32) -> f32 {
    let room = ((height_points - LEAST_SCALE_HEIGHT) / (FULL_SCALE_HEIGHT - LEAST_SCALE_HEIGHT))
        .clamp(0.0, 1.0);
    if room.is_finite() {
        1.1 + 0.35 * room
    } else {
        1.45
    }
}

/// Apply theme, presentation mode (at text scale `scale`, from [`font_scale`]) and zoom to the
/// context.
pub fn apply(ctx: &egui::Context, settings: &Settings, scale: f32) {
    let theme = if settings.dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    };
    ctx.set_theme(theme);
    fit_zoom(ctx, settings.zoom);
    let palette = Palette::new(settings.dark, settings.presentation);
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Small,
                FontId::new(11.0 * scale, FontFamily::Proportional),
            ),
            (
                TextStyle::Body,
                FontId::new(14.0 * scale, FontFamily::Proportional),
            ),
            (
                TextStyle::Button,
                FontId::new(14.0 * scale, FontFamily::Proportional),
            ),
            (
                TextStyle::Heading,
                FontId::new(20.0 * scale, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(13.0 * scale, FontFamily::Monospace),
            ),
        ]
        .into();
        if settings.presentation {
            style.visuals.override_text_color = Some(palette.text);
        } else {
            style.visuals.override_text_color = None;
        }
    });
}

/// `DejaVu` Sans and Sans Mono (`assets/fonts`, Bitstream Vera licence): sturdier on a projector
/// than egui's light default, and they have the arrows and symbols the labels use (→, ✔, ⚠).
pub fn install_fonts(ctx: &egui::Context) {
    use std::sync::Arc;
    let mut fonts = egui::FontDefinitions::default();
    for (name, bytes, family) in [
        (
            "DejaVuSans",
            &include_bytes!("../../assets/fonts/DejaVuSans.ttf")[..],
            FontFamily::Proportional,
        ),
        (
            "DejaVuSansMono",
            &include_bytes!("../../assets/fonts/DejaVuSansMono.ttf")[..],
            FontFamily::Monospace,
        ),
    ] {
        fonts.font_data.insert(
            name.to_owned(),
            Arc::new(egui::FontData::from_static(bytes)),
        );
        fonts
            .families
            .entry(family)
            .or_default()
            .insert(0, name.to_owned());
    }
    ctx.set_fonts(fonts);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hue in degrees (0 = red) of an opaque colour.
    fn hue_degrees(colour: Color32) -> f32 {
        egui::ecolor::Hsva::from_srgb([colour.r(), colour.g(), colour.b()]).h * 360.0
    }

    /// The current packet and the phase headings are drawn in the accent colour: it must not
    /// read as an error (red), nor as a peer's colour.
    #[test]
    fn the_accent_is_not_the_colour_of_errors_or_of_a_peer() {
        let apart = |a: f32, b: f32| {
            let d = (a - b).abs() % 360.0;
            d.min(360.0 - d)
        };
        for dark in [false, true] {
            for contrast in [false, true] {
                let p = Palette::new(dark, contrast);
                let accent = hue_degrees(p.accent);
                let others = [("bad", p.bad), ("client", p.client), ("server", p.server)];
                // The dark theme's yellow accent is told from the server's orange by lightness.
                let checked = if dark { &others[..2] } else { &others[..] };
                for (name, other) in checked {
                    let d = apart(accent, hue_degrees(*other));
                    assert!(
                        d >= 30.0,
                        "dark={dark}: accent {accent}° vs {name} {d}° apart"
                    );
                }
            }
        }
    }

    #[test]
    fn presentation_text_is_as_large_as_the_window_holds() {
        assert!((presentation_scale(1000.0) - 1.45).abs() < 1e-4);
        assert!((presentation_scale(2160.0) - 1.45).abs() < 1e-4);
        let at_720 = presentation_scale(720.0);
        assert!((1.1..1.25).contains(&at_720), "{at_720}");
        assert!((presentation_scale(400.0) - 1.1).abs() < 1e-4);
    }

    #[test]
    fn zoom_is_limited_to_what_the_window_holds() {
        // 1000 × 700 points must fit: a 1600 × 1000 window holds at most ×1.43.
        assert!((max_zoom_for(egui::vec2(1600.0, 1000.0)) - 1000.0 / 700.0).abs() < 1e-4);
        // A 4K projector holds more than the slider's 2.5.
        assert!(max_zoom_for(egui::vec2(3840.0, 2160.0)) > 2.5);
        // A window at its minimum size stays at ×1; nothing goes below ×0.5.
        assert!((max_zoom_for(MIN_LAYOUT) - 1.0).abs() < 1e-6);
        assert!((max_zoom_for(egui::vec2(100.0, 100.0)) - 0.5).abs() < 1e-6);
        assert!((max_zoom_for(egui::Vec2::ZERO) - 1.0).abs() < 1e-6);
    }
}
