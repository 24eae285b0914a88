/*
 * Handlers for datasets, key-value stores and request queues, and the
 * creation of a run's default storages.
 */
#ifndef ACTORD_API_STORAGES_H
#define ACTORD_API_STORAGES_H

#include "api/api.h"

void storage_to_json(struct buf *b, enum storage_kind kind,
		     const struct storage *s);

/* Create the run's default dataset, key-value store and request queue
 * and write their ids into run. Runs inside the caller's transaction. */
int storages_create_for_run(struct store *st, struct run *run);

/* Respond with a record's stored bytes and Content-Type; frees rec. */
void api_respond_record(struct req *r, unsigned status,
			struct kv_record *rec);

/* 1 for a record key the platform allows: 1 to 256 characters from
 * a-zA-Z0-9!-_.'() */
int api_valid_record_key(const char *key);

void api_get_dataset(struct req *r);
void api_get_items(struct req *r);
void api_push_items(struct req *r);
void api_get_kvs(struct req *r);
void api_get_record(struct req *r);
void api_put_record(struct req *r);

/* storage_admin.c */
void api_list_datasets(struct req *r);
void api_list_kvss(struct req *r);
void api_create_dataset(struct req *r);
void api_create_kvs(struct req *r);
void api_update_dataset(struct req *r);
void api_update_kvs(struct req *r);
void api_delete_dataset(struct req *r);
void api_delete_kvs(struct req *r);
void api_get_dataset_statistics(struct req *r);
void api_list_keys(struct req *r);
void api_delete_record(struct req *r);

#endif
