//! Slow and hostile clients: a body that never finishes arriving is cut off at its deadline, and
//! a flood of connections from one address is closed at the door while the site goes on
//! answering everyone else. (Before, 1,100 such connections took every file descriptor and the
//! site with them.)

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use porchlight_testkit::TestCamp;

/// A plain GET of `path` from `from` (a loopback address of its own); the answer's first line.
fn get_from(from: Ipv4Addr, to: SocketAddr, path: &str) -> String {
    let mut stream = porchlight_testkit::connect_from(from, to);
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or("").to_string()
}

#[test]
fn a_body_that_never_arrives_is_cut_off() {
    let camp = TestCamp::start_with(porchlight_http::HttpConfig {
        body_deadline: Some(Duration::from_secs(1)),
        ..Default::default()
    });
    let mut slow = TcpStream::connect(camp.address()).unwrap();
    write!(
        slow,
        "POST /login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 100\r\n\r\nu",
        camp.address()
    )
    .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer)
        .expect("the server answers and closes the connection");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[test]
fn a_flood_of_connections_from_one_address_leaves_the_site_answering() {
    let camp = TestCamp::start();
    let address = camp.address();
    // Two hundred idle connections from one address (the cap is 128).
    let flood: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    // The site answers others at once.
    assert_eq!(
        get_from(Ipv4Addr::new(127, 0, 0, 2), address, "/health"),
        "HTTP/1.1 200 OK"
    );
    // Those past the cap were closed at the door; the rest are held (until the header timeout).
    let mut closed = 0;
    for mut connection in &flood {
        connection.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        if let Ok(0) = connection.read(&mut byte) {
            closed += 1;
        }
    }
    assert_eq!(closed, 200 - 128, "the connections past the cap are closed");
    // Once the flood goes, its address is served again.
    drop(flood);
    let mut answered = String::new();
    for _ in 0..50 {
        answered = get_from(Ipv4Addr::LOCALHOST, address, "/health");
        if answered == "HTTP/1.1 200 OK" {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(answered, "HTTP/1.1 200 OK");
}
