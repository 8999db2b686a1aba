//! Products of a few activation rows with a quantized weight, each row's result bit-identical
//! to candle's one-row product (decode), so that several sequences (batched decoding) or
//! several positions of one sequence (speculative verification) can share one pass over the
//! weights without changing a single greedy token.
//!
//! Why exact: candle's one-row product of a Q4_K or Q6_K weight is `k_quants::matmul`, which
//! quantizes the row to Q8_K and takes, per output, `vec_dot_q4k_q8k` / `vec_dot_q6k_q8k`
//! (AVX2): integer dot products per 4-byte lane, then `fma(d, lane, acc)` per 256-value block
//! and a fixed horizontal sum. Integer sums are exact whatever computes them, so the AVX-512
//! VNNI kernels below compute the same per-lane integers with `vpdpbusd`, unpack each weight
//! block once for all rows, and then repeat exactly the float operations of the AVX2 code, in
//! its order, per row. `k_quants::matmul` itself is also row-exact (every output is the same
//! `vec_dot` on one row), and is the fallback on CPUs without AVX-512 VNNI and for one row
//! where it is the faster (AMD Zen 4: 1.6x the VNNI kernel's decode); candle's tiled
//! kernels for several rows are not (they round differently), which is why prefill keeps them
//! and decode does not.

use candle_core::quantized::{
    k_quants::{self, BlockQ4K, BlockQ6K, BlockQ8K, GgmlType, QK_K},
    GgmlDType, QTensor,
};
use candle_core::{bail, Result};

/// Whether the exact multi-row product supports `dtype` (others go row by row).
pub fn supported(dtype: GgmlDType) -> bool {
    matches!(dtype, GgmlDType::Q4K | GgmlDType::Q6K)
}

/// `dst[r * n + j] = w[j] · x[r]` for the `m` rows of `x` (`m * k` values), `w` an `n x k`
/// Q4_K or Q6_K weight. Each row's result equals candle's product of that row alone, bit for bit.
pub fn matmul(w: &QTensor, x: &[f32], m: usize, dst: &mut [f32]) -> Result<()> {
    let (n, k) = w.shape().dims2()?;
    if x.len() != m * k || dst.len() != m * n || k % QK_K != 0 {
        bail!("rows::matmul: {m} rows of {} values against {n}x{k} into {}", x.len(), dst.len())
    }
    if m == 0 {
        return Ok(());
    }
    let data = w.data()?;
    let p = Product { dtype: w.dtype(), data: &data, x, m, k, n };
    // Several rows: the VNNI kernels share each weight block's unpacking between the rows.
    // One row: whichever of them and candle's own is faster on this CPU (the VNNI kernel on
    // Intel Xeons, candle's AVX2 code on AMD Zen 4), raced once per weight type.
    let vnni = exact_kernels() && (m > 1 || one_row_vnni(&p, dst)?);
    p.run(vnni, dst)
}

/// One product's inputs.
struct Product<'a> {
    dtype: GgmlDType,
    data: &'a [u8],
    x: &'a [f32],
    m: usize,
    k: usize,
    n: usize,
}

impl Product<'_> {
    /// With the AVX-512 VNNI kernels (`vnni`, where the CPU has them) or candle's
    /// `k_quants::matmul`: the same bits either way.
    fn run(&self, vnni: bool, dst: &mut [f32]) -> Result<()> {
        let Product { dtype, data, x, m, k, n } = *self;
        let kb = k / QK_K;
        #[cfg(target_arch = "x86_64")]
        if vnni {
            let mut q8 = vec![BlockQ8K::zeros(); m * kb];
            // The same row quantization as `k_quants::matmul`.
            for (row, blocks) in x.chunks_exact(k).zip(q8.chunks_exact_mut(kb)) {
                BlockQ8K::from_float(row, blocks);
            }
            match dtype {
                GgmlDType::Q4K => unsafe { x86::q4k(blocks_of::<BlockQ4K>(data, n * kb)?, &q8, kb, m, n, dst) },
                GgmlDType::Q6K => unsafe { x86::q6k(blocks_of::<BlockQ6K>(data, n * kb)?, &q8, kb, m, n, dst) },
                d => bail!("rows::matmul: no exact multi-row product for {d:?}"),
            }
            return Ok(());
        }
        let _ = vnni;
        match dtype {
            GgmlDType::Q4K => k_quants::matmul((m, k, n), x, blocks_of::<BlockQ4K>(data, n * kb)?, dst),
            GgmlDType::Q6K => k_quants::matmul((m, k, n), x, blocks_of::<BlockQ6K>(data, n * kb)?, dst),
            d => bail!("rows::matmul: no exact multi-row product for {d:?}"),
        }
    }
}

/// Whether the VNNI kernel is faster than candle's own for one row of `p`'s weight type: on
/// the first such product, each is timed three times on it (best of three; `dst` gets the
/// product, the same bits either way), and the choice holds for the process.
fn one_row_vnni(p: &Product, dst: &mut [f32]) -> Result<bool> {
    use std::sync::OnceLock;
    static Q4K: OnceLock<bool> = OnceLock::new();
    static Q6K: OnceLock<bool> = OnceLock::new();
    let cell = match p.dtype {
        GgmlDType::Q4K => &Q4K,
        GgmlDType::Q6K => &Q6K,
        _ => return Ok(false),
    };
    if let Some(v) = cell.get() {
        return Ok(*v);
    }
    let mut best = [f64::MAX; 2];
    for _ in 0..3 {
        for (i, vnni) in [false, true].into_iter().enumerate() {
            let t = std::time::Instant::now();
            p.run(vnni, dst)?;
            best[i] = best[i].min(t.elapsed().as_secs_f64());
        }
    }
    Ok(*cell.get_or_init(|| best[1] < best[0]))
}

/// The weight's blocks, borrowed from its CPU storage (checked: length and alignment).
fn blocks_of<T>(data: &[u8], count: usize) -> Result<&[T]> {
    if data.len() != count * std::mem::size_of::<T>() || !(data.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>()) {
        bail!("unexpected quantized storage of {} bytes for {count} blocks", data.len())
    }
    // SAFETY: on the CPU these bytes are the QTensor's own Vec<T> of blocks.
    Ok(unsafe { std::slice::from_raw_parts(data.as_ptr() as *const T, count) })
}

/// Split the `n` output columns over candle's worker pool (the one its own products use).
#[cfg(target_arch = "x86_64")]
fn run(n: usize, f: impl Fn(std::ops::Range<usize>) + Sync) {
    candle_core::utils::barrier_pool().execute_chunked(n, f);
}

/// Whether the AVX-512 VNNI kernels below can run (else candle's own products, row by row).
fn exact_kernels() -> bool {
    #[cfg(target_arch = "x86_64")]
    return vnni();
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

#[cfg(target_arch = "x86_64")]
fn vnni() -> bool {
    use std::sync::OnceLock;
    static OK: OnceLock<bool> = OnceLock::new();
    // AVX2 + FMA too: on such CPUs candle's one-row product is the AVX2 code these kernels
    // reproduce; without them it is the scalar code, which rounds differently.
    *OK.get_or_init(|| {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vnni")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
    })
}

#[cfg(target_arch = "x86_64")]
// Indexed loops over the const row count: LLVM unrolls them and keeps the accumulators in registers.
#[allow(clippy::needless_range_loop)]
mod x86 {
    use super::*;
    use core::arch::x86_64::*;

    // Field views of candle's block types (their fields are crate-private); layouts from
    // candle's `#[repr(C)]` definitions, sizes checked at compile time.
    #[repr(C)]
    struct Q4K {
        d: u16,
        dmin: u16,
        scales: [u8; 12],
        qs: [u8; QK_K / 2],
    }
    #[repr(C)]
    struct Q6K {
        ql: [u8; QK_K / 2],
        qh: [u8; QK_K / 4],
        scales: [i8; QK_K / 16],
        d: u16,
    }
    #[repr(C)]
    struct Q8K {
        d: f32,
        qs: [i8; QK_K],
        bsums: [i16; QK_K / 16],
    }
    const _: () = assert!(std::mem::size_of::<Q4K>() == std::mem::size_of::<BlockQ4K>());
    const _: () = assert!(std::mem::size_of::<Q6K>() == std::mem::size_of::<BlockQ6K>());
    const _: () = assert!(std::mem::size_of::<Q8K>() == std::mem::size_of::<BlockQ8K>());

    fn f16(bits: u16) -> f32 {
        half::f16::from_bits(bits).to_f32()
    }

    /// candle's `hsum_float_8`, operation for operation.
    #[target_feature(enable = "avx2,fma")]
    fn hsum_float_8(x: __m256) -> f32 {
        let res = _mm256_extractf128_ps(x, 1);
        let res = _mm_add_ps(res, _mm256_castps256_ps128(x));
        let res = _mm_add_ps(res, _mm_movehl_ps(res, res));
        let res = _mm_add_ss(res, _mm_movehdup_ps(res));
        _mm_cvtss_f32(res)
    }

    // No closures around intrinsics in here: a closure does not inherit the target features,
    // and every intrinsic in it becomes a call. The block unpacking is a macro for the same
    // reason (LLVM does not inline a target-feature function returning 512 bytes).

    /// Rows processed per pass over a weight row, as a const generic so that the accumulators
    /// stay in registers.
    const GROUP: usize = 8;

    /// One activation row's block, 64-byte aligned (Q8_K blocks are 292 bytes, so their
    /// values straddle cache lines), with what the AVX2 code derives from it per weight block.
    #[repr(C, align(64))]
    struct Act {
        qs: [i8; QK_K],
        /// Q6_K: 32 * (pair sums of the values), i16 (the AVX2 code's `q8s_*`, which turns the
        /// unsigned 6-bit values into signed ones).
        m32: [i16; QK_K / 2],
        /// Q4_K: the sums of 32 values (the AVX2 code's `q8s`), for the mins.
        sums: [i16; 8],
        d: f32,
    }

    fn acts(x: &[BlockQ8K]) -> Vec<Act> {
        x.iter()
            .map(|y| {
                // SAFETY: same layout (size checked above).
                let y = unsafe { &*(y as *const BlockQ8K as *const Q8K) };
                Act {
                    qs: y.qs,
                    m32: std::array::from_fn(|t| 32 * (y.qs[2 * t] as i16 + y.qs[2 * t + 1] as i16)),
                    sums: std::array::from_fn(|i| y.bsums[2 * i] + y.bsums[2 * i + 1]),
                    d: y.d,
                }
            })
            .collect()
    }

    /// Raw pointers for the worker closure (each worker writes disjoint columns of `dst`).
    struct Ptrs<W> {
        w: *const W,
        x: *const Act,
        dst: *mut f32,
    }
    // Manual impls: a derive would ask W to be Copy, not the pointer.
    impl<W> Clone for Ptrs<W> {
        fn clone(&self) -> Self {
            *self
        }
    }
    impl<W> Copy for Ptrs<W> {}
    unsafe impl<W> Send for Ptrs<W> {}
    unsafe impl<W> Sync for Ptrs<W> {}

    /// Q4_K x Q8_K, all `m` rows against all `n` weight rows; reproduces `vec_dot_q4k_q8k`.
    ///
    /// # Safety
    /// `w` holds `n * kb` blocks, `x` `m * kb`, `dst` `m * n` floats; AVX-512 VNNI present.
    pub(super) unsafe fn q4k(w: &[BlockQ4K], x: &[BlockQ8K], kb: usize, m: usize, n: usize, dst: &mut [f32]) {
        let act = acts(x);
        let p = Ptrs { w: w.as_ptr() as *const Q4K, x: act.as_ptr(), dst: dst.as_mut_ptr() };
        super::run(n, |cols| {
            for col in cols {
                for r0 in (0..m).step_by(GROUP) {
                    match m - r0 {
                        1 => q4k_col::<1>(p, kb, n, col, r0),
                        2 => q4k_col::<2>(p, kb, n, col, r0),
                        3 => q4k_col::<3>(p, kb, n, col, r0),
                        4 => q4k_col::<4>(p, kb, n, col, r0),
                        5 => q4k_col::<5>(p, kb, n, col, r0),
                        6 => q4k_col::<6>(p, kb, n, col, r0),
                        7 => q4k_col::<7>(p, kb, n, col, r0),
                        _ => q4k_col::<GROUP>(p, kb, n, col, r0),
                    }
                }
            }
        });
    }

    /// The unpacked form of one Q4_K block: values in element order (vector j holds values
    /// 64j..64j+64, low nibbles then high, the order of the Q8_K row), i16 scales per lane
    /// (lanes 0..16 of vector j take scale 2j, 16..32 scale 2j+1), the mins, d and dmin.
    macro_rules! unpack_q4k {
        ($blk:expr) => {{
            const KMASK1: u32 = 0x3f3f3f3f;
            const KMASK2: u32 = 0x0f0f0f0f;
            const KMASK3: u32 = 0x03030303;
            let blk: &Q4K = $blk;
            let mut utmp = [0u32; 3];
            std::ptr::copy_nonoverlapping(blk.scales.as_ptr(), utmp.as_mut_ptr() as *mut u8, 12);
            let utmp = utmp.map(u32::from_le);
            let u3 = ((utmp[2] >> 4) & KMASK2) | (((utmp[1] >> 6) & KMASK3) << 4);
            let u1 = (utmp[2] & KMASK2) | (((utmp[0] >> 6) & KMASK3) << 4);
            let u2 = utmp[1] & KMASK1;
            let u0 = utmp[0] & KMASK1;
            let sm = [u0.to_le_bytes(), u1.to_le_bytes()];
            let mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, u3 as i32, u2 as i32));
            let m4 = _mm256_set1_epi8(0xF);
            let mut wv = [_mm512_setzero_si512(); 4];
            let mut sv = [_mm512_setzero_si512(); 4];
            for j in 0..4 {
                let q = _mm256_loadu_si256(blk.qs.as_ptr().add(32 * j) as *const __m256i);
                let lo = _mm256_and_si256(q, m4);
                let hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                wv[j] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
                let (s0, s1) = (sm[j / 2][2 * (j % 2)], sm[j / 2][2 * (j % 2) + 1]);
                sv[j] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(s0 as i16)), _mm256_set1_epi16(s1 as i16), 1);
            }
            (wv, sv, mins, f16(blk.d), f16(blk.dmin))
        }};
    }

    /// Output column `col` for rows `r0..r0 + R`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
    unsafe fn q4k_col<const R: usize>(p: Ptrs<Q4K>, kb: usize, n: usize, col: usize, r0: usize) {
        let mut acc = [_mm256_setzero_ps(); R];
        let mut acc_m = [_mm_setzero_ps(); R];
        for b in 0..kb {
            let (wv, sv, mins, wd, wdmin) = unpack_q4k!(&*p.w.add(col * kb + b));
            for r in 0..R {
                let y = &*p.x.add((r0 + r) * kb + b);
                let d = y.d * wd;
                let dmin = -y.d * wdmin;
                let prod = _mm_madd_epi16(mins, _mm_loadu_si128(y.sums.as_ptr() as *const __m128i));
                acc_m[r] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), acc_m[r]);
                // maddubs then madd, as the AVX2 code (exact: 4-bit x 8-bit pairs fit i16).
                let mut s = _mm512_setzero_si512();
                for j in 0..4 {
                    let yv = _mm512_load_si512(y.qs.as_ptr().add(64 * j) as *const __m512i);
                    s = _mm512_dpwssd_epi32(s, _mm512_maddubs_epi16(wv[j], yv), sv[j]);
                }
                let sumi = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
                acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc[r]);
            }
        }
        for r in 0..R {
            let am = _mm_add_ps(acc_m[r], _mm_movehl_ps(acc_m[r], acc_m[r]));
            let am = _mm_add_ss(am, _mm_movehdup_ps(am));
            *p.dst.add((r0 + r) * n + col) = hsum_float_8(acc[r]) + _mm_cvtss_f32(am);
        }
    }

    /// Q6_K x Q8_K, all `m` rows against all `n` weight rows; reproduces `vec_dot_q6k_q8k`.
    ///
    /// # Safety
    /// As for [`q4k`].
    pub(super) unsafe fn q6k(w: &[BlockQ6K], x: &[BlockQ8K], kb: usize, m: usize, n: usize, dst: &mut [f32]) {
        let act = acts(x);
        let p = Ptrs { w: w.as_ptr() as *const Q6K, x: act.as_ptr(), dst: dst.as_mut_ptr() };
        super::run(n, |cols| {
            for col in cols {
                for r0 in (0..m).step_by(GROUP) {
                    match m - r0 {
                        1 => q6k_col::<1>(p, kb, n, col, r0),
                        2 => q6k_col::<2>(p, kb, n, col, r0),
                        3 => q6k_col::<3>(p, kb, n, col, r0),
                        4 => q6k_col::<4>(p, kb, n, col, r0),
                        5 => q6k_col::<5>(p, kb, n, col, r0),
                        6 => q6k_col::<6>(p, kb, n, col, r0),
                        7 => q6k_col::<7>(p, kb, n, col, r0),
                        _ => q6k_col::<GROUP>(p, kb, n, col, r0),
                    }
                }
            }
        });
    }

    /// The unpacked form of one Q6_K block: values in element order, unsigned 0..64 (the
    /// AVX2 code's q4_0..q4_3 per half), i16 scales per lane (i16 lane t of vector c covers
    /// values 64c+2t, 64c+2t+1, which take scale 4c + t/8), and d.
    macro_rules! unpack_q6k {
        ($blk:expr, $spread:expr) => {{
            let blk: &Q6K = $blk;
            let spread: &[__m256i; 4] = $spread;
            let m4 = _mm256_set1_epi8(0xF);
            let m2 = _mm256_set1_epi8(3);
            let mut wv = [_mm512_setzero_si512(); 4];
            for h in 0..2 {
                let ql0 = _mm256_loadu_si256(blk.ql.as_ptr().add(64 * h) as *const __m256i);
                let ql1 = _mm256_loadu_si256(blk.ql.as_ptr().add(64 * h + 32) as *const __m256i);
                let qh = _mm256_loadu_si256(blk.qh.as_ptr().add(32 * h) as *const __m256i);
                let h0 = _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4);
                let h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4);
                let h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4);
                let h3 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4);
                let q0 = _mm256_or_si256(_mm256_and_si256(ql0, m4), h0);
                let q1 = _mm256_or_si256(_mm256_and_si256(ql1, m4), h1);
                let q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), h2);
                let q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), h3);
                wv[2 * h] = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
                wv[2 * h + 1] = _mm512_inserti64x4(_mm512_castsi256_si512(q2), q3, 1);
            }
            let sc = _mm256_broadcastsi128_si256(_mm_loadu_si128(blk.scales.as_ptr() as *const __m128i));
            let mut sv = [_mm512_setzero_si512(); 4];
            for c in 0..4 {
                sv[c] = _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(sc, spread[c]));
            }
            (wv, sv, f16(blk.d))
        }};
    }

    /// Output column `col` for rows `r0..r0 + R`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
    unsafe fn q6k_col<const R: usize>(p: Ptrs<Q6K>, kb: usize, n: usize, col: usize, r0: usize) {
        let mut spread = [_mm256_setzero_si256(); 4];
        for (c, s) in spread.iter_mut().enumerate() {
            let idx: [u8; 32] = std::array::from_fn(|t| (4 * c + (t % 16) / 8 + 2 * (t / 16)) as u8);
            *s = _mm256_loadu_si256(idx.as_ptr() as *const __m256i);
        }
        let mut acc = [_mm256_setzero_ps(); R];
        for b in 0..kb {
            let (wv, sv, wd) = unpack_q6k!(&*p.w.add(col * kb + b), &spread);
            for r in 0..R {
                let y = &*p.x.add((r0 + r) * kb + b);
                let d = y.d * wd;
                let mut s = _mm512_setzero_si512();
                for c in 0..4 {
                    let yv = _mm512_load_si512(y.qs.as_ptr().add(64 * c) as *const __m512i);
                    let m32 = _mm512_load_si512(y.m32.as_ptr().add(32 * c) as *const __m512i);
                    let q = _mm512_sub_epi16(_mm512_maddubs_epi16(wv[c], yv), m32);
                    s = _mm512_dpwssd_epi32(s, q, sv[c]);
                }
                let sumi = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
                acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc[r]);
            }
        }
        for r in 0..R {
            *p.dst.add((r0 + r) * n + col) = hsum_float_8(acc[r]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    /// Bit-identical to candle's one-row product (`k_quants::matmul` with one row, what
    /// decode runs for Q4_K and Q6_K) for every row, on random weights and rows (including a
    /// row of zeros and a large value), for 1 to 11 rows.
    #[test]
    fn rows_equal_one_row_products_bit_for_bit() {
        let dev = Device::Cpu;
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ((seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        for dtype in [GgmlDType::Q4K, GgmlDType::Q6K] {
            let (n, k) = (71, 2 * QK_K);
            let wf: Vec<f32> = (0..n * k).map(|_| rnd()).collect();
            let w = QTensor::quantize(&Tensor::from_vec(wf, (n, k), &dev).unwrap(), dtype).unwrap();
            let data = w.data().unwrap();
            for m in [1usize, 2, 3, 8, 9, 11] {
                let mut x: Vec<f32> = (0..m * k).map(|i| rnd() * (1 + i % 7) as f32).collect();
                if m > 2 {
                    x[k..2 * k].iter_mut().for_each(|v| *v = 0.0);
                    x[2 * k] = 3e4;
                }
                let mut got = vec![0f32; m * n];
                matmul(&w, &x, m, &mut got).unwrap();
                for r in 0..m {
                    let mut want = vec![0f32; n];
                    let row = &x[r * k..(r + 1) * k];
                    match dtype {
                        GgmlDType::Q4K => k_quants::matmul((1, k, n), row, blocks_of::<BlockQ4K>(&data, n * 2).unwrap(), &mut want),
                        _ => k_quants::matmul((1, k, n), row, blocks_of::<BlockQ6K>(&data, n * 2).unwrap(), &mut want),
                    }
                    .unwrap();
                    for j in 0..n {
                        assert_eq!(
                            got[r * n + j].to_bits(),
                            want[j].to_bits(),
                            "{dtype:?} m={m} row {r} col {j}: {} vs {}",
                            got[r * n + j],
                            want[j]
                        );
                    }
                }
            }
        }
    }
}
