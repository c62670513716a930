//! A local SMTP sink for the mail tests: a real SMTP server on loopback that accepts every
//! message and prints it as one JSON line on stdout (`{"from","to","data"}`). It first prints
//! `{"listening": PORT}`. Not a mock: the code under test holds a full SMTP conversation with it.
//! Runs until stdin closes (the test that started it ends).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", serde_json::json!({ "listening": listener.local_addr()?.port() }));
    std::io::stdout().flush()?;
    // Exit when the parent goes away.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || {
            if let Err(error) = converse(stream) {
                eprintln!("smtp-sink: {error}");
            }
        });
    }
    Ok(())
}

fn converse(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    writer.write_all(b"220 kring-smtp-sink ESMTP\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            writer.write_all(b"250-kring-smtp-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("HELO") || upper.starts_with("RSET") || upper.starts_with("NOOP") {
            writer.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().to_owned();
            to.clear();
            writer.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().to_owned());
            writer.write_all(b"250 OK\r\n")?;
        } else if upper == "DATA" {
            writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                // Undo dot-stuffing (RFC 5321 4.5.2).
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            println!("{}", serde_json::json!({ "from": from, "to": to, "data": data }));
            std::io::stdout().flush()?;
            writer.write_all(b"250 OK: queued\r\n")?;
        } else if upper == "QUIT" {
            writer.write_all(b"221 Bye\r\n")?;
            return Ok(());
        } else {
            writer.write_all(b"502 Command not implemented\r\n")?;
        }
    }
}
