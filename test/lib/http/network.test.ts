import { describe, expect, it } from "vitest";
import { clientNetwork, networkOf } from "../../../lib/http/network.ts";

describe("networkOf", () => {
  it.each([
    ["an IPv4 address, to its /24", "203.0.113.77", "203.0.113.0/24"],
    ["loopback", "127.0.0.1", "127.0.0.0/24"],
    ["an IPv4-mapped IPv6 address, as IPv4", "::ffff:198.51.100.9", "198.51.100.0/24"],
    ["a full IPv6 address, to its /48", "2001:0db8:abcd:0012:0000:0000:0000:0001", "2001:db8:abcd::/48"],
    ["an upper-case IPv6 address", "2001:DB8:ABCD:12::1", "2001:db8:abcd::/48"],
    ["an IPv6 address with an IPv4 tail", "64:ff9b:1::192.0.2.1", "64:ff9b:1::/48"],
    ["a compressed IPv6 address", "2001:db8:abcd:12::1", "2001:db8:abcd::/48"],
    ["an IPv6 address compressed inside the first three groups", "2001:db8::1", "2001:db8::/48"],
    ["IPv6 loopback", "::1", "::/48"],
    ["an IPv6 address with a zone", "fe80::1%eth0", "fe80::/48"],
  ])("truncates %s", (_case, address, network) => {
    expect(networkOf(address)).toBe(network);
  });

  it.each([[""], ["not an address"], ["999.1.1.1"], ["1.2.3"]])("answers null for %j", (address) => {
    expect(networkOf(address)).toBeNull();
  });
});

describe("clientNetwork (what the login and registration throttles count)", () => {
  it.each([
    ["an IPv4 address as itself", "192.0.2.1", "192.0.2.1"],
    ["IPv4-mapped IPv6 as the IPv4 address", "::ffff:192.0.2.1", "192.0.2.1"],
    ["IPv6 by its /64", "2001:db8:7:1:a::1", "2001:db8:7:1::/64"],
    ["IPv6 written with leading zeros as the same /64", "2001:0db8:0007:0001::ff", "2001:db8:7:1::/64"],
    ["an IPv6 zone index as nothing", "fe80::1%eth0", "fe80:0:0:0::/64"],
  ])("counts %s", (_case, address, network) => {
    expect(clientNetwork(address)).toBe(network);
  });
});
