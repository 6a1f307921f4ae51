package rosco

import "unicode/utf16"

// Rosco collects unrolled copy_to/share_with entries in a java.util.HashMap,
// and that map's iteration order becomes the order of packer's -var
// arguments. Go has no ordered hash map with Java's layout, so the relevant
// part of OpenJDK's HashMap (8 and later) is emulated here: String.hashCode,
// the h ^ (h >>> 16) spreading, a table of 16 buckets doubling whenever the
// size exceeds 0.75 of it, and bucket-by-bucket iteration with insertion order
// inside a bucket (a resize keeps that relative order).

const (
	hashMapInitialCapacity = 16
	hashMapTreeifyBinSize  = 9  // a bucket reaching this many entries is treeified...
	hashMapMinTreeifyTable = 64 // ...unless the table is smaller, in which case it doubles instead
)

// javaStringHash is java.lang.String.hashCode: s[0]*31^(n-1) + ... over
// UTF-16 code units, in int32 arithmetic.
func javaStringHash(s string) int32 {
	var h int32
	for _, unit := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(unit)
	}
	return h
}

// javaHashMapSpread is HashMap.hash: the high half folded into the low half.
func javaHashMapSpread(h int32) uint32 {
	u := uint32(h)
	return u ^ (u >> 16)
}

// javaHashMapOrder returns keys, inserted in the given order into a new
// java.util.HashMap, in that map's iteration order. Repeated keys keep their
// first position. Treeified buckets (9+ colliding entries in a table of 64 or
// more) are not emulated: they would reorder a bucket, but the keys Rosco
// unrolls ("copy_to_<n>", "share_with_<n>") never collide that much (the
// tests check many thousands of entries).
func javaHashMapOrder(keys []string) []string {
	table := make([][]string, hashMapInitialCapacity)
	threshold := hashMapInitialCapacity * 3 / 4
	size := 0
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		i := bucketIndex(k, len(table))
		table[i] = append(table[i], k)
		if len(table[i]) >= hashMapTreeifyBinSize && len(table) < hashMapMinTreeifyTable {
			table = resizeHashTable(table)
			threshold = len(table) * 3 / 4
		}
		size++
		if size > threshold {
			table = resizeHashTable(table)
			threshold = len(table) * 3 / 4
		}
	}
	ordered := make([]string, 0, size)
	for _, bucket := range table {
		ordered = append(ordered, bucket...)
	}
	return ordered
}

func bucketIndex(key string, tableSize int) int {
	return int(javaHashMapSpread(javaStringHash(key)) & uint32(tableSize-1))
}

// resizeHashTable doubles the table. Moving entries bucket by bucket, in
// order, reproduces Java's split of each bucket into a "low" and a "high"
// list that both keep their relative order.
func resizeHashTable(table [][]string) [][]string {
	bigger := make([][]string, 2*len(table))
	for _, bucket := range table {
		for _, k := range bucket {
			i := bucketIndex(k, len(bigger))
			bigger[i] = append(bigger[i], k)
		}
	}
	return bigger
}
