// Native CPU kernels for the TensorFlow.js wasm backend, on oneDNN (issue 13), plus the project's
// GroupNorm op (forward and closed-form backward) and a fused AdamW update as plain loops.
//
// Every function reads its inputs from, and writes its output into, the wasm heap in place: JS passes
// the heap (a Uint8Array view of the wasm memory, taken after the output was allocated, since
// allocation may grow and move it) and byte offsets of the tensors on it. Tensors are float32 in
// tfjs layouts: activations NHWC, filters [KH, KW, Cin, Cout] (oneDNN 'hwio'), matrices row-major.
// oneDNN primitives are created once per problem shape and cached (creation costs ~0.1–1 ms; a
// training step calls the same ~100 shapes thousands of times).
#include <node_api.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

// ---- N-API helpers -------------------------------------------------------------------------------

bool Check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  napi_throw_error(env, nullptr, what);
  return false;
}

// The base pointer of the heap view passed as argument 0 (a TypedArray over the wasm memory).
uint8_t* HeapPointer(napi_env env, napi_value value, size_t* byteLength) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok || data == nullptr) {
    napi_throw_type_error(env, nullptr, "segrefiner_native: argument 0 must be the wasm heap as a Uint8Array");
    return nullptr;
  }
  *byteLength = length;
  return static_cast<uint8_t*>(data);
}

// Reads `count` integer arguments starting at argv[first] into out[].
bool ReadInts(napi_env env, napi_value* argv, size_t first, size_t count, int64_t* out) {
  for (size_t i = 0; i < count; i++) {
    double v;
    if (napi_get_value_double(env, argv[first + i], &v) != napi_ok) {
      napi_throw_type_error(env, nullptr, "segrefiner_native: every argument after the heap must be a number");
      return false;
    }
    out[i] = static_cast<int64_t>(v);
  }
  return true;
}

// Throws unless [offset, offset + bytes) lies inside the heap.
bool InHeap(napi_env env, size_t heapBytes, int64_t offset, int64_t bytes, const char* name) {
  if (offset < 0 || bytes < 0 || static_cast<uint64_t>(offset + bytes) > heapBytes) {
    std::string message = std::string("segrefiner_native: tensor '") + name + "' lies outside the wasm heap";
    napi_throw_range_error(env, nullptr, message.c_str());
    return false;
  }
  return true;
}

template <typename F>
napi_value Guarded(napi_env env, F&& body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    std::string message = std::string("segrefiner_native (oneDNN): ") + e.what();
    napi_throw_error(env, nullptr, message.c_str());
  } catch (const std::exception& e) {
    std::string message = std::string("segrefiner_native: ") + e.what();
    napi_throw_error(env, nullptr, message.c_str());
  }
  return nullptr;
}

// ---- convolution ---------------------------------------------------------------------------------

// The geometry of one 2-D convolution, in tfjs terms (NHWC input, HWIO filter).
struct ConvShape {
  int64_t n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, padTop, padLeft, padBottom, padRight, dh, dw;

  std::string Key(const char* kind) const {
    std::string k(kind);
    for (int64_t v : {n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, padTop, padLeft, padBottom, padRight, dh, dw}) {
      k += ':' + std::to_string(v);
    }
    return k;
  }
  memory::desc Src() const { return memory::desc({n, cin, h, w}, dt::f32, tag::nhwc); }
  memory::desc Weights() const { return memory::desc({cout, cin, kh, kw}, dt::f32, tag::hwio); }
  memory::desc Dst() const { return memory::desc({n, cout, oh, ow}, dt::f32, tag::nhwc); }
  memory::dims Strides() const { return {sh, sw}; }
  // oneDNN counts dilation from 0 (tfjs from 1)
  memory::dims Dilates() const { return {dh - 1, dw - 1}; }
  memory::dims PadL() const { return {padTop, padLeft}; }
  memory::dims PadR() const { return {padBottom, padRight}; }
  int64_t SrcBytes() const { return n * h * w * cin * 4; }
  int64_t WeightBytes() const { return kh * kw * cin * cout * 4; }
  int64_t DstBytes() const { return n * oh * ow * cout * 4; }
};

constexpr size_t kConvInts = 17;

dnnl::convolution_forward::primitive_desc ForwardDesc(const ConvShape& s, dnnl::prop_kind prop) {
  dnnl::convolution_forward::desc d(prop, dnnl::algorithm::convolution_direct, s.Src(), s.Weights(), s.Dst(),
                                    s.Strides(), s.Dilates(), s.PadL(), s.PadR());
  return dnnl::convolution_forward::primitive_desc(d, cpuEngine());
}

std::unordered_map<std::string, std::unique_ptr<dnnl::primitive>>& Cache() {
  static std::unordered_map<std::string, std::unique_ptr<dnnl::primitive>> cache;
  return cache;
}

template <typename Make>
dnnl::primitive& Cached(const std::string& key, Make&& make) {
  auto& cache = Cache();
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, std::make_unique<dnnl::primitive>(make())).first;
  return *it->second;
}

memory UserMemory(const memory::desc& md, uint8_t* heap, int64_t offset) {
  return memory(md, cpuEngine(), heap + offset);
}

// One convolution call's arguments: the heap, three tensor offsets and the 17 shape numbers.
struct ConvCall {
  uint8_t* heap = nullptr;
  int64_t off[3];
  ConvShape s;
};

// The tensors a convolution kernel reads and writes, in argument order: which buffer (src, weights or
// dst size) each offset points at, and its name for errors.
enum class ConvBuffer { kSrc, kWeights, kDst };

// Parses (heap, off0, off1, off2, ...shape) and checks each tensor lies in the heap; false after throwing.
bool ParseConvCall(napi_env env, napi_callback_info info, const char* name, const ConvBuffer (&kinds)[3], const char* const (&names)[3], ConvCall* call) {
  size_t argc = 4 + kConvInts;
  napi_value argv[4 + kConvInts];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 4 + kConvInts) {
    std::string message = std::string(name) + ": expected 21 arguments";
    napi_throw_error(env, nullptr, message.c_str());
    return false;
  }
  size_t heapBytes;
  call->heap = HeapPointer(env, argv[0], &heapBytes);
  if (!call->heap || !ReadInts(env, argv, 1, 3, call->off) || !ReadInts(env, argv, 4, kConvInts, &call->s.n)) return false;
  for (int i = 0; i < 3; i++) {
    const ConvShape& s = call->s;
    const int64_t bytes = kinds[i] == ConvBuffer::kSrc ? s.SrcBytes() : kinds[i] == ConvBuffer::kWeights ? s.WeightBytes() : s.DstBytes();
    if (!InHeap(env, heapBytes, call->off[i], bytes, names[i])) return false;
  }
  return true;
}

// (heap, xOff, filterOff, outOff, n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, pt, pl, pb, pr, dh, dw)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  ConvCall c;
  if (!ParseConvCall(env, info, "conv2d", {ConvBuffer::kSrc, ConvBuffer::kWeights, ConvBuffer::kDst}, {"x", "filter", "out"}, &c)) return nullptr;
  const ConvShape& s = c.s;
  return Guarded(env, [&] {
    auto& prim = Cached(s.Key("fwd"), [&] { return dnnl::convolution_forward(ForwardDesc(s, dnnl::prop_kind::forward_training)); });
    prim.execute(cpuStream(), {{DNNL_ARG_SRC, UserMemory(s.Src(), c.heap, c.off[0])},
                               {DNNL_ARG_WEIGHTS, UserMemory(s.Weights(), c.heap, c.off[1])},
                               {DNNL_ARG_DST, UserMemory(s.Dst(), c.heap, c.off[2])}});
    cpuStream().wait();
  });
}

// (heap, dyOff, filterOff, dxOff, ...shape): the gradient w.r.t. the convolution's input
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  ConvCall c;
  if (!ParseConvCall(env, info, "conv2dBackpropInput", {ConvBuffer::kDst, ConvBuffer::kWeights, ConvBuffer::kSrc}, {"dy", "filter", "dx"}, &c)) return nullptr;
  const ConvShape& s = c.s;
  return Guarded(env, [&] {
    auto& prim = Cached(s.Key("bwd_data"), [&] {
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, s.Src(), s.Weights(), s.Dst(),
                                              s.Strides(), s.Dilates(), s.PadL(), s.PadR());
      return dnnl::convolution_backward_data(
          dnnl::convolution_backward_data::primitive_desc(d, cpuEngine(), ForwardDesc(s, dnnl::prop_kind::forward_training)));
    });
    prim.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, UserMemory(s.Dst(), c.heap, c.off[0])},
                               {DNNL_ARG_WEIGHTS, UserMemory(s.Weights(), c.heap, c.off[1])},
                               {DNNL_ARG_DIFF_SRC, UserMemory(s.Src(), c.heap, c.off[2])}});
    cpuStream().wait();
  });
}

// (heap, xOff, dyOff, dwOff, ...shape): the gradient w.r.t. the filter
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  ConvCall c;
  if (!ParseConvCall(env, info, "conv2dBackpropFilter", {ConvBuffer::kSrc, ConvBuffer::kDst, ConvBuffer::kWeights}, {"x", "dy", "dw"}, &c)) return nullptr;
  const ConvShape& s = c.s;
  return Guarded(env, [&] {
    auto& prim = Cached(s.Key("bwd_weights"), [&] {
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, s.Src(), s.Weights(), s.Dst(),
                                                 s.Strides(), s.Dilates(), s.PadL(), s.PadR());
      return dnnl::convolution_backward_weights(
          dnnl::convolution_backward_weights::primitive_desc(d, cpuEngine(), ForwardDesc(s, dnnl::prop_kind::forward_training)));
    });
    prim.execute(cpuStream(), {{DNNL_ARG_SRC, UserMemory(s.Src(), c.heap, c.off[0])},
                               {DNNL_ARG_DIFF_DST, UserMemory(s.Dst(), c.heap, c.off[1])},
                               {DNNL_ARG_DIFF_WEIGHTS, UserMemory(s.Weights(), c.heap, c.off[2])}});
    cpuStream().wait();
  });
}

// ---- matmul --------------------------------------------------------------------------------------

// (heap, aOff, bOff, cOff, batchA, batchB, m, k, n, transposeA, transposeB): C[b] = op(A[b])·op(B[b]),
// A stored [batchA, m, k] (or [batchA, k, m] when transposed), B [batchB, k, n] (or [batchB, n, k]);
// a batch of 1 broadcasts; C is [max(batchA, batchB), m, n].
napi_value MatMul(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "matMul: bad call") || argc != 11) {
    napi_throw_error(env, nullptr, "matMul: expected 11 arguments");
    return nullptr;
  }
  size_t heapBytes;
  uint8_t* heap = HeapPointer(env, argv[0], &heapBytes);
  int64_t v[10];
  if (!heap || !ReadInts(env, argv, 1, 10, v)) return nullptr;
  const int64_t aOff = v[0], bOff = v[1], cOff = v[2], ba = v[3], bb = v[4], m = v[5], k = v[6], n = v[7];
  const bool ta = v[8] != 0, tb = v[9] != 0;
  const int64_t batch = ba > bb ? ba : bb;
  if (!InHeap(env, heapBytes, aOff, ba * m * k * 4, "a") || !InHeap(env, heapBytes, bOff, bb * k * n * 4, "b") ||
      !InHeap(env, heapBytes, cOff, batch * m * n * 4, "c")) return nullptr;
  return Guarded(env, [&] {
    memory::desc aMd({ba, m, k}, dt::f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    memory::desc bMd({bb, k, n}, dt::f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    memory::desc cMd({batch, m, n}, dt::f32, memory::dims{m * n, n, 1});
    std::string key = "matmul";
    for (int64_t x : {ba, bb, m, k, n, v[8], v[9]}) key += ':' + std::to_string(x);
    auto& prim = Cached(key, [&] {
      return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(aMd, bMd, cMd), cpuEngine()));
    });
    prim.execute(cpuStream(), {{DNNL_ARG_SRC, UserMemory(aMd, heap, aOff)},
                               {DNNL_ARG_WEIGHTS, UserMemory(bMd, heap, bOff)},
                               {DNNL_ARG_DST, UserMemory(cMd, heap, cOff)}});
    cpuStream().wait();
  });
}

// ---- GroupNorm (the project's single op, src/util/group_norm.ts) ------------------------------------

// Sizes of one GroupNorm call: x [b, hw, c] (NHWC flattened), groups g; channels per group c/g.
struct GnShape {
  int64_t b, hw, c, g;
  int64_t PerGroup() const { return c / g; }
};

// x·σ(x) and its derivative σ(x)·(1 + x·(1 − σ(x))).
inline float Silu(float x) { return x / (1.0f + std::exp(-x)); }
inline float SiluGrad(float x) { const float s = 1.0f / (1.0f + std::exp(-x)); return s * (1.0f + x * (1.0f - s)); }

// (heap, xOff, gammaOff, betaOff, yOff, meanOff, rstdOff, b, hw, c, g, eps, silu):
// μ and r = 1/√(σ² + eps) per (sample, group), written per channel [b, c]; y = x·(rγ) + (β − μrγ),
// then y·σ(y) when silu is set (the fused GroupNorm + SiLU of the ResBlocks and the head).
// Sums in double; the variance about the mean (no E[x²] − μ² cancellation), as the TF-op version.
napi_value GroupNorm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 13) {
    napi_throw_error(env, nullptr, "groupNorm: expected 13 arguments");
    return nullptr;
  }
  size_t heapBytes;
  uint8_t* heap = HeapPointer(env, argv[0], &heapBytes);
  int64_t v[10];
  double eps;
  bool silu = false;
  if (!heap || !ReadInts(env, argv, 1, 10, v) || napi_get_value_double(env, argv[11], &eps) != napi_ok || napi_get_value_bool(env, argv[12], &silu) != napi_ok) return nullptr;
  const GnShape s{v[6], v[7], v[8], v[9]};
  if (s.g < 1 || s.c % s.g != 0) { napi_throw_range_error(env, nullptr, "groupNorm: channels must divide into groups"); return nullptr; }
  const int64_t n = s.b * s.hw * s.c;
  if (!InHeap(env, heapBytes, v[0], n * 4, "x") || !InHeap(env, heapBytes, v[1], s.c * 4, "gamma") || !InHeap(env, heapBytes, v[2], s.c * 4, "beta") ||
      !InHeap(env, heapBytes, v[3], n * 4, "y") || !InHeap(env, heapBytes, v[4], s.b * s.c * 4, "mean") || !InHeap(env, heapBytes, v[5], s.b * s.c * 4, "rstd")) return nullptr;
  const float* x = reinterpret_cast<const float*>(heap + v[0]);
  const float* gamma = reinterpret_cast<const float*>(heap + v[1]);
  const float* beta = reinterpret_cast<const float*>(heap + v[2]);
  float* y = reinterpret_cast<float*>(heap + v[3]);
  float* mean = reinterpret_cast<float*>(heap + v[4]);
  float* rstd = reinterpret_cast<float*>(heap + v[5]);
  const int64_t cpg = s.PerGroup();
  const double count = static_cast<double>(s.hw * cpg);
#pragma omp parallel for schedule(static)
  for (int64_t bi = 0; bi < s.b; bi++) {
    const float* xb = x + bi * s.hw * s.c;
    std::vector<double> sum(s.c, 0.0), sq(s.c, 0.0), gMean(s.g), gRstd(s.g);
    for (int64_t p = 0; p < s.hw; p++) for (int64_t ci = 0; ci < s.c; ci++) sum[ci] += xb[p * s.c + ci];
    for (int64_t gi = 0; gi < s.g; gi++) {
      double t = 0;
      for (int64_t k = 0; k < cpg; k++) t += sum[gi * cpg + k];
      gMean[gi] = t / count;
    }
    for (int64_t p = 0; p < s.hw; p++) {
      for (int64_t ci = 0; ci < s.c; ci++) { const double d = xb[p * s.c + ci] - gMean[ci / cpg]; sq[ci] += d * d; }
    }
    std::vector<float> scale(s.c), shift(s.c);
    for (int64_t gi = 0; gi < s.g; gi++) {
      double t = 0;
      for (int64_t k = 0; k < cpg; k++) t += sq[gi * cpg + k];
      gRstd[gi] = 1.0 / std::sqrt(t / count + eps);
    }
    for (int64_t ci = 0; ci < s.c; ci++) {
      const float m = static_cast<float>(gMean[ci / cpg]), r = static_cast<float>(gRstd[ci / cpg]);
      mean[bi * s.c + ci] = m;
      rstd[bi * s.c + ci] = r;
      scale[ci] = r * gamma[ci];
      shift[ci] = beta[ci] - m * scale[ci];
    }
    float* yb = y + bi * s.hw * s.c;
    for (int64_t p = 0; p < s.hw; p++) {
      for (int64_t ci = 0; ci < s.c; ci++) {
        const float y = xb[p * s.c + ci] * scale[ci] + shift[ci];
        yb[p * s.c + ci] = silu ? Silu(y) : y;
      }
    }
  }
  return nullptr;
}

// (heap, dyOff, xOff, gammaOff, meanOff, rstdOff, dxOff, dgammaOff, dbetaOff, b, hw, c, g, betaOff, silu): the
// closed-form backward of src/util/group_norm.ts (its module comment gives the formulas). With silu set,
// dy is the gradient of y·σ(y) and is first taken back through the SiLU at y = x·(rγ) + (β − μrγ).
napi_value GroupNormGrad(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 15) {
    napi_throw_error(env, nullptr, "groupNormGrad: expected 15 arguments");
    return nullptr;
  }
  size_t heapBytes;
  uint8_t* heap = HeapPointer(env, argv[0], &heapBytes);
  int64_t v[13];
  bool silu = false;
  if (!heap || !ReadInts(env, argv, 1, 13, v) || napi_get_value_bool(env, argv[14], &silu) != napi_ok) return nullptr;
  const GnShape s{v[8], v[9], v[10], v[11]};
  if (s.g < 1 || s.c % s.g != 0) { napi_throw_range_error(env, nullptr, "groupNormGrad: channels must divide into groups"); return nullptr; }
  const int64_t n = s.b * s.hw * s.c, bc = s.b * s.c;
  if (!InHeap(env, heapBytes, v[0], n * 4, "dy") || !InHeap(env, heapBytes, v[1], n * 4, "x") || !InHeap(env, heapBytes, v[2], s.c * 4, "gamma") ||
      !InHeap(env, heapBytes, v[3], bc * 4, "mean") || !InHeap(env, heapBytes, v[4], bc * 4, "rstd") || !InHeap(env, heapBytes, v[5], n * 4, "dx") ||
      !InHeap(env, heapBytes, v[6], s.c * 4, "dgamma") || !InHeap(env, heapBytes, v[7], s.c * 4, "dbeta") || !InHeap(env, heapBytes, v[12], s.c * 4, "beta")) return nullptr;
  const float* beta = reinterpret_cast<const float*>(heap + v[12]);
  const float* dy = reinterpret_cast<const float*>(heap + v[0]);
  const float* x = reinterpret_cast<const float*>(heap + v[1]);
  const float* gamma = reinterpret_cast<const float*>(heap + v[2]);
  const float* mean = reinterpret_cast<const float*>(heap + v[3]);
  const float* rstd = reinterpret_cast<const float*>(heap + v[4]);
  float* dx = reinterpret_cast<float*>(heap + v[5]);
  float* dgamma = reinterpret_cast<float*>(heap + v[6]);
  float* dbeta = reinterpret_cast<float*>(heap + v[7]);
  const int64_t cpg = s.PerGroup();
  const double count = static_cast<double>(s.hw * cpg);
  std::vector<double> sumDyAll(bc), sumDyXhatAll(bc);
#pragma omp parallel for schedule(static)
  for (int64_t bi = 0; bi < s.b; bi++) {
    const float* dyb = dy + bi * s.hw * s.c;
    const float* xb = x + bi * s.hw * s.c;
    // the GroupNorm output's gradient: dy itself, or dy·SiLU′(y) with y recomputed from x, μ, r, γ, β
    std::vector<float> ya(s.c), yk(s.c);
    for (int64_t ci = 0; ci < s.c; ci++) {
      ya[ci] = rstd[bi * s.c + ci] * gamma[ci];
      yk[ci] = beta[ci] - mean[bi * s.c + ci] * ya[ci];
    }
    auto gradY = [&](int64_t p, int64_t ci) -> float {
      const float d = dyb[p * s.c + ci];
      return silu ? d * SiluGrad(xb[p * s.c + ci] * ya[ci] + yk[ci]) : d;
    };
    std::vector<double> sDy(s.c, 0.0), sDyX(s.c, 0.0);
    for (int64_t p = 0; p < s.hw; p++) {
      for (int64_t ci = 0; ci < s.c; ci++) { const double d = gradY(p, ci); sDy[ci] += d; sDyX[ci] += d * xb[p * s.c + ci]; }
    }
    std::vector<double> m1(s.g, 0.0), m2(s.g, 0.0);
    for (int64_t ci = 0; ci < s.c; ci++) {
      const double m = mean[bi * s.c + ci], r = rstd[bi * s.c + ci];
      const double sXhat = r * (sDyX[ci] - m * sDy[ci]);
      sumDyAll[bi * s.c + ci] = sDy[ci];
      sumDyXhatAll[bi * s.c + ci] = sXhat;
      m1[ci / cpg] += gamma[ci] * sDy[ci] / count;
      m2[ci / cpg] += gamma[ci] * sXhat / count;
    }
    std::vector<float> a(s.c), bcoef(s.c), k(s.c);
    for (int64_t ci = 0; ci < s.c; ci++) {
      const double m = mean[bi * s.c + ci], r = rstd[bi * s.c + ci], g1 = m1[ci / cpg], g2 = m2[ci / cpg];
      a[ci] = static_cast<float>(r * gamma[ci]);
      bcoef[ci] = static_cast<float>(-r * r * g2);
      k[ci] = static_cast<float>(r * (r * m * g2 - g1));
    }
    float* dxb = dx + bi * s.hw * s.c;
    for (int64_t p = 0; p < s.hw; p++) {
      for (int64_t ci = 0; ci < s.c; ci++) dxb[p * s.c + ci] = gradY(p, ci) * a[ci] + xb[p * s.c + ci] * bcoef[ci] + k[ci];
    }
  }
  for (int64_t ci = 0; ci < s.c; ci++) {
    double g = 0, bt = 0;
    for (int64_t bi = 0; bi < s.b; bi++) { g += sumDyXhatAll[bi * s.c + ci]; bt += sumDyAll[bi * s.c + ci]; }
    dgamma[ci] = static_cast<float>(g);
    dbeta[ci] = static_cast<float>(bt);
  }
  return nullptr;
}

// ---- AdamW (src/util/adamw_kernel.ts) ---------------------------------------------------------------

// (heap, pOff, gOff, mOff, vOff, pOutOff, mOutOff, vOutOff, n, beta1, beta2, eps, decay, stepSize, bias2Sqrt):
// the tf-op AdamW of train/adamw.ts in the same float32 operations and order:
//   m′ = m·β1 + g·(1−β1); v′ = v·β2 + g²·(1−β2); p′ = p·decay − (m′ / (√v′ / bias2Sqrt + eps))·stepSize
napi_value AdamW(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 15) {
    napi_throw_error(env, nullptr, "adamW: expected 15 arguments");
    return nullptr;
  }
  size_t heapBytes;
  uint8_t* heap = HeapPointer(env, argv[0], &heapBytes);
  int64_t off[8];
  double c[6];
  if (!heap || !ReadInts(env, argv, 1, 8, off)) return nullptr;
  for (int i = 0; i < 6; i++) if (napi_get_value_double(env, argv[9 + i], &c[i]) != napi_ok) { napi_throw_type_error(env, nullptr, "adamW: constants must be numbers"); return nullptr; }
  const int64_t n = off[7];
  const char* names[7] = {"param", "grad", "m", "v", "param'", "m'", "v'"};
  for (int i = 0; i < 7; i++) if (!InHeap(env, heapBytes, off[i], n * 4, names[i])) return nullptr;
  const float* p = reinterpret_cast<const float*>(heap + off[0]);
  const float* g = reinterpret_cast<const float*>(heap + off[1]);
  const float* m = reinterpret_cast<const float*>(heap + off[2]);
  const float* v = reinterpret_cast<const float*>(heap + off[3]);
  float* pOut = reinterpret_cast<float*>(heap + off[4]);
  float* mOut = reinterpret_cast<float*>(heap + off[5]);
  float* vOut = reinterpret_cast<float*>(heap + off[6]);
  const float b1 = static_cast<float>(c[0]), b2 = static_cast<float>(c[1]), eps = static_cast<float>(c[2]);
  const float oneMinusB1 = static_cast<float>(1.0 - c[0]), oneMinusB2 = static_cast<float>(1.0 - c[1]);
  const float decay = static_cast<float>(c[3]), stepSize = static_cast<float>(c[4]), bias2Sqrt = static_cast<float>(c[5]);
  const bool decays = c[3] != 1.0;
  for (int64_t i = 0; i < n; i++) {
    const float mNext = m[i] * b1 + g[i] * oneMinusB1;
    const float vNext = v[i] * b2 + (g[i] * g[i]) * oneMinusB2;
    const float denom = std::sqrt(vNext) / bias2Sqrt + eps;
    const float decayed = decays ? p[i] * decay : p[i];
    pOut[i] = decayed - (mNext / denom) * stepSize;
    mOut[i] = mNext;
    vOut[i] = vNext;
  }
  return nullptr;
}

// ---- runtime -------------------------------------------------------------------------------------

// () → {onednn: "2.6.3", threads: N, isa: "..."}
napi_value Info(napi_env env, napi_callback_info) {
  const dnnl_version_t* version = dnnl_version();
  std::string text = std::to_string(version->major) + "." + std::to_string(version->minor) + "." + std::to_string(version->patch);
  napi_value out, onednn, threads, primitives;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, text.c_str(), NAPI_AUTO_LENGTH, &onednn);
  napi_create_int32(env, omp_get_max_threads(), &threads);
  napi_create_int32(env, static_cast<int32_t>(Cache().size()), &primitives);
  napi_set_named_property(env, out, "onednn", onednn);
  napi_set_named_property(env, out, "threads", threads);
  napi_set_named_property(env, out, "cachedPrimitives", primitives);
  return out;
}

// (n) sets the OpenMP thread count oneDNN uses
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 1 ||
      napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_range_error(env, nullptr, "setThreads: expected one integer ≥ 1");
    return nullptr;
  }
  omp_set_num_threads(n);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv2d", nullptr, Conv2D, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2DBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2DBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"groupNorm", nullptr, GroupNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"groupNormGrad", nullptr, GroupNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamW", nullptr, AdamW, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
