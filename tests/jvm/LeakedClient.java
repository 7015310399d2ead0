/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What HeapLeak keeps: one object of 512 bytes of its own fields (no
 * arrays, no strings of its own), so that it, not byte[], is the class
 * that grows in a class histogram (as Dubbo's client objects in seed 002). */
public final class LeakedClient {
    final int id;
    long f0;
    long f1;
    long f2;
    long f3;
    long f4;
    long f5;
    long f6;
    long f7;
    long f8;
    long f9;
    long f10;
    long f11;
    long f12;
    long f13;
    long f14;
    long f15;
    long f16;
    long f17;
    long f18;
    long f19;
    long f20;
    long f21;
    long f22;
    long f23;
    long f24;
    long f25;
    long f26;
    long f27;
    long f28;
    long f29;
    long f30;
    long f31;
    long f32;
    long f33;
    long f34;
    long f35;
    long f36;
    long f37;
    long f38;
    long f39;
    long f40;
    long f41;
    long f42;
    long f43;
    long f44;
    long f45;
    long f46;
    long f47;
    long f48;
    long f49;
    long f50;
    long f51;
    long f52;
    long f53;
    long f54;
    long f55;
    long f56;
    long f57;
    long f58;
    long f59;
    long f60;
    long f61;

    LeakedClient(int id) {
        this.id = id;
        f0 = id;
    }
}
