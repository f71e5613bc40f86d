#!/usr/bin/env python3
"""PyTorch (CPU) reference timing of SegRefiner's DenoiseUNet, the counterpart of bench_unet.ts.

The network is written here from the specification (../shared/docs/method.md §2 and
../shared/fixtures/README.md §3), not copied from upstream; module names follow the upstream
state_dict keys so the parameter count and the key count can be compared with ours.

  /usr/bin/python3 experiments/bench_torch.py --preset cpu --size 96 --batch 2 --reps 3 --json
  /usr/bin/python3 experiments/bench_torch.py --config '<json>' --size S --batch B --json

--config takes the upstream constructor kwargs (snake_case, a fixture's `constructor_kwargs`) or our
UNetConfig (camelCase, the `config` field that bench_unet.ts prints). Timings are medians of --reps
runs after one warm-up:
  forwardMs    logits of one batch under torch.no_grad()
  trainStepMs  as our trainStep: q_sample, forward, BCE-with-logits + 5·texture L1 (method.md §3.1),
               backward, global grad norm, AdamW (torch defaults: lr 1e-4 as ours, weight decay 0)
Prints one JSON line with --json. --profile adds the top autograd-profiler ops of one train step.
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- config

PRESETS = {
    # the paper's network (configs/segrefiner/segrefiner_lr.py): 118,604,673 parameters
    'paper': dict(in_channels=4, out_channels=1, model_channels=128, channel_mult=[1, 1, 2, 2, 4, 4],
                  num_res_blocks=2, attention_strides=[16, 32], num_heads=4, num_heads_upsample=-1,
                  dropout=0.0, num_timesteps=6),
}
# src/model/config.ts CPU_UNET_CONFIG: the paper's rules, scaled down (3,127,297 parameters)
PRESETS['cpu'] = dict(PRESETS['paper'], model_channels=32, channel_mult=[1, 2, 2, 4], num_res_blocks=1,
                      attention_strides=[8])

CAMEL_TO_SNAKE = {
    'inChannels': 'in_channels', 'outChannels': 'out_channels', 'modelChannels': 'model_channels',
    'channelMult': 'channel_mult', 'numResBlocks': 'num_res_blocks', 'attentionStrides': 'attention_strides',
    'numHeads': 'num_heads', 'numHeadsUpsample': 'num_heads_upsample', 'dropout': 'dropout',
    'numTimesteps': 'num_timesteps',
}
# upstream kwargs selecting the only variant specified (and implemented on both sides)
FIXED_KWARGS = dict(learn_time_embd=True, conv_resample=True, dims=2, use_scale_shift_norm=False, return_logits=False)


def resolve_config(raw):
    """Upstream kwargs or our camelCase config → the snake_case kwargs of DenoiseUNet below."""
    cfg = dict(PRESETS['paper'])
    for key, value in raw.items():
        key = CAMEL_TO_SNAKE.get(key, key)
        if key in FIXED_KWARGS:
            if value != FIXED_KWARGS[key]:
                raise ValueError(f'bench_torch: {key} must be {FIXED_KWARGS[key]}, but got {value}.')
        elif key in cfg:
            cfg[key] = value
        else:
            raise ValueError(f'bench_torch: unknown config key {key!r}.')
    return cfg

# ---------------------------------------------------------------- network (method.md §2)


def group_norm(ch):
    return nn.GroupNorm(32, ch)  # GroupNorm32: 32 groups, eps 1e-5, affine


class ResBlock(nn.Module):
    """h = conv(SiLU(GN(x))) + Linear(SiLU(emb)); h = conv(Dropout(SiLU(GN(h)))); skip(x) + h."""

    def __init__(self, ch, out, emb_dim, dropout):
        super().__init__()
        self.in_layers = nn.Sequential(group_norm(ch), nn.SiLU(), nn.Conv2d(ch, out, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, out))
        self.out_layers = nn.Sequential(group_norm(out), nn.SiLU(), nn.Dropout(dropout), nn.Conv2d(out, out, 3, padding=1))
        self.skip_connection = nn.Identity() if ch == out else nn.Conv2d(ch, out, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        h = h + self.emb_layers(emb)[:, :, None, None]
        return self.skip_connection(x) + self.out_layers(h)


class AttentionBlock(nn.Module):
    """x + proj_out(attention(qkv(GN(x)))); qkv channels head-major [q k v]_h0 [q k v]_h1 …"""

    def __init__(self, ch, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.norm = group_norm(ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.proj_out = nn.Conv1d(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        flat = x.reshape(b, c, h * w)
        qkv = self.qkv(self.norm(flat)).reshape(b * self.num_heads, 3 * c // self.num_heads, h * w)
        q, k, v = qkv.chunk(3, dim=1)  # (B·heads, ch, N) each
        scale = (c // self.num_heads) ** -0.25  # on q and k: logits q·k/√ch
        weights = torch.softmax(torch.einsum('bct,bcs->bts', q * scale, k * scale), dim=-1)  # (B·heads, N, N)
        out = torch.einsum('bts,bcs->bct', weights, v).reshape(b, c, h * w)
        return x + self.proj_out(out).reshape(b, c, h, w)


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)  # symmetric padding 1

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode='nearest'))


class EmbedSequential(nn.Sequential):
    """Runs its layers in order, giving the time embedding to the ResBlocks."""

    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb) if isinstance(layer, ResBlock) else layer(x)
        return x


class DenoiseUNet(nn.Module):
    """NCHW. x (B, in, H, W), t (B,) int64 → logits (B, out, H, W)."""

    def __init__(self, in_channels, out_channels, model_channels, channel_mult, num_res_blocks,
                 attention_strides, num_heads, num_heads_upsample, dropout, num_timesteps):
        super().__init__()
        mc, emb_dim = model_channels, 4 * model_channels
        up_heads = num_heads if num_heads_upsample == -1 else num_heads_upsample
        self.time_embed = nn.Embedding(num_timesteps, emb_dim)  # learn_time_embd: a table indexed by t
        self.input_blocks = nn.ModuleList([EmbedSequential(nn.Conv2d(in_channels, mc, 3, padding=1))])
        skips, ch, ds = [mc], mc, 1
        for level, mult in enumerate(channel_mult):
            for _ in range(num_res_blocks):
                layers = [ResBlock(ch, mult * mc, emb_dim, dropout)]
                ch = mult * mc
                if ds in attention_strides:
                    layers.append(AttentionBlock(ch, num_heads))
                self.input_blocks.append(EmbedSequential(*layers))
                skips.append(ch)
            if level != len(channel_mult) - 1:
                self.input_blocks.append(EmbedSequential(Downsample(ch)))
                skips.append(ch)
                ds *= 2
        self.middle_block = EmbedSequential(ResBlock(ch, ch, emb_dim, dropout), AttentionBlock(ch, num_heads),
                                            ResBlock(ch, ch, emb_dim, dropout))
        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(channel_mult))):
            for i in range(num_res_blocks + 1):
                layers = [ResBlock(ch + skips.pop(), mult * mc, emb_dim, dropout)]
                ch = mult * mc
                if ds in attention_strides:
                    layers.append(AttentionBlock(ch, up_heads))
                if level > 0 and i == num_res_blocks:
                    layers.append(Upsample(ch))
                    ds //= 2
                self.output_blocks.append(EmbedSequential(*layers))
        self.out = nn.Sequential(group_norm(ch), nn.SiLU(), nn.Conv2d(ch, out_channels, 3, padding=1))

    def forward(self, x, t):
        emb = self.time_embed(t)
        stack, h = [], x
        for block in self.input_blocks:
            h = block(h, emb)
            stack.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, stack.pop()], dim=1), emb)  # [h, skip]: h first
        return self.out(h)

# ---------------------------------------------------------------- training step (method.md §1.4, §3.1)


BETAS_CUMPROD = torch.linspace(0.8, 0.0, 6)  # P(fine) per code index t
BOX = torch.full((1, 1, 3, 3), 1 / 9)
SOBEL = torch.tensor([[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]], [[[1, 2, 1], [0, 0, 0], [-1, -2, -1]]]],
                     dtype=torch.float32) / 4  # (2, 1, 3, 3): x and y, cross-correlation


def q_sample(gt, coarse, t):
    fine = (torch.rand_like(gt) < BETAS_CUMPROD[t][:, None, None, None]).float()
    return fine * gt + (1 - fine) * coarse


def texture(x):
    grad = F.conv2d(F.conv2d(x, BOX, padding=1), SOBEL, padding=1)
    return torch.sqrt((grad * grad).sum(1, keepdim=True) + 1e-4)


def seg_refiner_loss(logits, gt):
    bce = F.binary_cross_entropy_with_logits(logits, gt)
    tex = (texture(torch.sigmoid(logits)) - texture(gt)).abs().mean()
    return bce + 5.0 * tex


def train_step(model, optimizer, image, gt, coarse):
    t = torch.randint(0, 6, (image.shape[0],))
    x = torch.cat([image, q_sample(gt, coarse, t)], dim=1)
    optimizer.zero_grad(set_to_none=True)
    loss = seg_refiner_loss(model(x, t), gt)
    loss.backward()
    grad_norm = torch.norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None]))
    optimizer.step()
    return loss.item(), grad_norm.item()  # both read back, as ours does

# ---------------------------------------------------------------- timing


def time_median(reps, work):
    work()  # warm-up: oneDNN primitive creation, optimizer state
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        work()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def profile_train_step(model, optimizer, batch, top):
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        train_step(model, optimizer, *batch)
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events)
    events.sort(key=lambda e: -e.self_cpu_time_total)
    return [{'op': e.key, 'calls': e.count, 'selfMs': round(e.self_cpu_time_total / 1000, 1),
             'share': round(e.self_cpu_time_total / total, 3)} for e in events[:top]]


def parity_error(folder):
    """Loads a parity fixture's weights.pth into this network; max |ours − upstream output| on its input."""
    with open(f'{folder}/config.json') as f:
        cfg = json.load(f)
    with open(f'{folder}/io.json') as f:
        io = json.load(f)
    model = DenoiseUNet(**resolve_config(cfg['constructor_kwargs']))
    model.load_state_dict(torch.load(f'{folder}/weights.pth'))  # strict: every key and shape must match
    model.eval()
    x = torch.tensor(io['input']['data_nchw']).reshape(io['input']['shape_nchw'])
    with torch.no_grad():
        y = model(x, torch.tensor(io['timesteps']))
    return (y - torch.tensor(io['output']['data_nchw']).reshape(y.shape)).abs().max().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', choices=sorted(PRESETS), default='cpu')
    ap.add_argument('--config', help='upstream constructor kwargs or our UNetConfig, JSON')
    ap.add_argument('--size', type=int)
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--no-train', action='store_true')
    ap.add_argument('--profile', type=int, default=0, metavar='TOP', help='profile one train step, report TOP ops')
    ap.add_argument('--parity', metavar='DIR', help='check the network against a parity fixture folder and exit')
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()
    if args.parity:
        print(f'max abs error: {parity_error(args.parity):.3g}')
        return

    torch.set_num_threads(args.threads)
    cfg = resolve_config(json.loads(args.config)) if args.config else dict(PRESETS[args.preset])
    size = args.size or (256 if args.preset == 'paper' else 128)
    multiple = 2 ** (len(cfg['channel_mult']) - 1)
    if size % multiple:
        raise ValueError(f'bench_torch: --size must be a multiple of {multiple}, but got {size}.')
    torch.manual_seed(0)
    model = DenoiseUNet(**cfg)
    b = args.batch
    image = torch.randn(b, 3, size, size)
    gt = (torch.rand(b, 1, size, size) > 0.5).float()
    coarse = (torch.rand(b, 1, size, size) > 0.5).float()
    x = torch.cat([image, gt], dim=1)
    t = torch.full((b,), 3, dtype=torch.int64)

    def forward():
        with torch.no_grad():
            model(x, t)

    model.eval()  # dropout off for the forward timing (the presets have none anyway)
    forward_ms = time_median(args.reps, forward)
    train_ms, prof = None, None
    if not args.no_train:
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
        train_ms = time_median(args.reps, lambda: train_step(model, optimizer, image, gt, coarse))
        if args.profile:
            prof = profile_train_step(model, optimizer, (image, gt, coarse), args.profile)
    result = {
        'impl': 'torch', 'torch': torch.__version__, 'threads': torch.get_num_threads(),
        'params': sum(p.numel() for p in model.parameters()), 'stateDictEntries': len(model.state_dict()),
        'size': size, 'batch': b, 'reps': args.reps,
        'forwardMs': round(forward_ms, 1), 'trainStepMs': None if train_ms is None else round(train_ms, 1),
        'trainExamplesPerSec': None if train_ms is None else round(b / (train_ms / 1000), 2),
        'peakRssMB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        'config': cfg,
    }
    if prof is not None:
        result['profile'] = prof
    if args.json:
        print(json.dumps(result))
    else:
        print(f"DenoiseUNet {result['params']:,} parameters, input {b}×4×{size}×{size}, torch {torch.__version__} "
              f"({result['threads']} threads)")
        print(f"forward     {result['forwardMs']} ms (median of {args.reps})")
        if train_ms is not None:
            print(f"train step  {result['trainStepMs']} ms  → {result['trainExamplesPerSec']} examples/s")
        for p in prof or []:
            print(f"  {p['op']:<40} {p['calls']:>5} calls {p['selfMs']:>9} ms  {100 * p['share']:.1f}%")


if __name__ == '__main__':
    try:
        main()
    except ValueError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
