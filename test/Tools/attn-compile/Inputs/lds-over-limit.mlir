// D = 512 on gfx942: the kernel's LDS (69632 bytes) exceeds the chip's 64 KiB.
func.func @wide(%q: tensor<1x2x17x512xbf16>, %k: tensor<1x2x70x512xbf16>, %v: tensor<1x2x70x512xbf16>) -> tensor<1x2x17x512xbf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x17x512xbf16>, tensor<1x2x70x512xbf16>, tensor<1x2x70x512xbf16>) -> tensor<1x2x17x512xbf16>
  return %o : tensor<1x2x17x512xbf16>
}
