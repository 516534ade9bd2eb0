//! A minimal HTTP/1.1 client for the bot's own listener (webhook, `/healthz`, `/metrics`), and
//! reading samples out of Prometheus text. Shared by the production tests and the webhook
//! benchmark (which includes this file with `#[path]`).

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A response: status code, headers (names in lower case) and body.
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// One request over a fresh connection (`Connection: close`) with a body of any bytes. A peer
/// that refuses a large body may close before it is all written; what it answered is still
/// read. Failing to connect or to read is an error; a response that never ends is an error
/// after `timeout`.
pub async fn request_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: std::time::Duration,
) -> std::io::Result<Raw> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    tokio::time::timeout(timeout, stream.read_to_end(&mut response))
        .await
        .map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "no end to the response")
        })??;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Raw {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// One request over a fresh connection (`Connection: close`): the status code and the body.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let raw = request_raw(
        addr,
        method,
        path,
        headers,
        body.as_bytes(),
        std::time::Duration::from_secs(60),
    )
    .await?;
    Ok((raw.status, raw.body))
}

/// The value of a sample line `name{labels} value` in Prometheus text.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)
            .and_then(|rest| rest.trim().parse().ok())
    })
}
