//! What the key hierarchy costs: unlocking (Argon2id with the production parameters), sealing and
//! opening data, wrapping vault keys for members. Numbers go to docs/performance.md.
//! Run: `cargo bench -p kring-crypto`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kring_crypto::{derive_login_keys, open_with_key, seal_with_key, KdfParams, Salt, UserKeys, Vault};
use std::hint::black_box;

fn unlock(c: &mut Criterion) {
    let salt = Salt::random();
    let mut group = c.benchmark_group("unlock");
    group.sample_size(10);
    group.bench_function("argon2id m=128MiB t=4 p=1 + hkdf + unseal user keys", |b| {
        let keys = UserKeys::generate();
        let sealed = keys.seal(&derive_login_keys("wachtwoord", &salt, KdfParams::INTERACTIVE).unwrap().kek).unwrap();
        b.iter(|| {
            let login = derive_login_keys(black_box("wachtwoord"), &salt, KdfParams::INTERACTIVE).unwrap();
            UserKeys::unseal(&login.kek, &sealed).unwrap()
        });
    });
    group.finish();
}

fn seal_open(c: &mut Criterion) {
    let vault = Vault::generate();
    let public = vault.public();
    let key = [7u8; 32];
    let mut group = c.benchmark_group("seal_open");
    for size in [1024usize, 64 * 1024, 1024 * 1024] {
        let data = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("xchacha20poly1305 seal", size), &data, |b, data| {
            b.iter(|| seal_with_key(&key, b"bench", black_box(data)).unwrap());
        });
        let sealed = seal_with_key(&key, b"bench", &data).unwrap();
        group.bench_with_input(BenchmarkId::new("xchacha20poly1305 open", size), &sealed, |b, sealed| {
            b.iter(|| open_with_key(&key, b"bench", black_box(sealed)).unwrap());
        });
        group.bench_with_input(BenchmarkId::new("sealed box to vault", size), &data, |b, data| {
            b.iter(|| public.seal(black_box(data)).unwrap());
        });
        let boxed = public.seal(&data).unwrap();
        group.bench_with_input(BenchmarkId::new("vault open", size), &boxed, |b, boxed| {
            b.iter(|| vault.open(black_box(boxed)).unwrap());
        });
    }
    group.finish();
}

fn wrap_unwrap(c: &mut Criterion) {
    let vault = Vault::generate();
    let member = UserKeys::generate();
    let wrapped = vault.wrap_for(&member.encryption.public()).unwrap();
    let mut group = c.benchmark_group("vault_keys");
    group.bench_function("wrap for a member", |b| b.iter(|| vault.wrap_for(black_box(&member.encryption.public())).unwrap()));
    group.bench_function("unwrap as a member", |b| b.iter(|| Vault::unwrap(&member.encryption, black_box(&wrapped)).unwrap()));
    group.finish();
}

criterion_group!(benches, unlock, seal_open, wrap_unwrap);
criterion_main!(benches);
