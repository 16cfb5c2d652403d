//! HTTPS for the camp. On the home network the box serves a certificate it made itself
//! ([`lan`]); once the host gives the camp a public name, it also gets a real certificate from
//! an ACME certificate authority ([`acme`]) and renews it on time ([`renewal`]). [`Certs`] picks
//! the right one for each connection and takes a renewed certificate without a restart.

pub mod acme;
pub mod lan;
pub mod renewal;
mod resolver;

pub use acme::{Acme, Challenges, Status};
pub use lan::{Certificate, lan_certificate};
pub use resolver::Certs;
