;; RFC 6455 §5.3 masking with 128-bit SIMD, for core's frame/mask-simd.ts, which embeds the bytes
;; this assembles to (test/mask-simd.test.ts assembles it with wabt and compares).
(module
  ;; One page, never grown, so the JavaScript view of it is never detached: the scratch space.
  (memory (export "memory") 1 1)
  ;; XORs memory[0 .. n) with the key word repeated, 64 bytes per iteration. Bytes up to the next
  ;; multiple of 64 past n are XORed too: they are scratch, and n <= 65536 keeps them in the page.
  (func (export "mask") (param $n i32) (param $key i32)
    (local $p i32) (local $k v128)
    (local.set $k (i32x4.splat (local.get $key)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
        (v128.store offset=0 (local.get $p) (v128.xor (v128.load offset=0 (local.get $p)) (local.get $k)))
        (v128.store offset=16 (local.get $p) (v128.xor (v128.load offset=16 (local.get $p)) (local.get $k)))
        (v128.store offset=32 (local.get $p) (v128.xor (v128.load offset=32 (local.get $p)) (local.get $k)))
        (v128.store offset=48 (local.get $p) (v128.xor (v128.load offset=48 (local.get $p)) (local.get $k)))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $next)))))
